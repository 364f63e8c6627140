// The participant's reflection (toolkit/reflect/form.py), on form_parts.js: before/now ratings
// per competency, the commitment and its date, relevance and usefulness; the reflective prompts
// and the optional self-generated code folded away, so the required part fits five minutes.

function buildReflection({ id, model, element, errorFor, choiceGroup, textField, setText, SCALE }) {
  const confidence = element("h2");
  const scaleHint = element("p", { id: `${id}-scale`, class: "cct-hint" });
  const number = (group) => { const value = group.value(); return value === null ? null : Number(value); };

  const blocks = [];
  for (const [k, competency] of model.get("competencies").entries()) {
    const field = `competency:${competency.id}`;
    const heading = element("h3", { id: `${id}-c${k}` });
    const error = errorFor(field);
    const before = choiceGroup(`before-${k}`, `cct-before-${k}`, SCALE, { field, hint: `${id}-scale` });
    const now = choiceGroup(`now-${k}`, `cct-now-${k}`, SCALE, { field, hint: `${id}-scale` });
    blocks.push({
      competency, heading, before, now, field,
      node: element("section", { class: "cct-competency", "aria-labelledby": heading.id }, [heading, before.set, now.set, error]),
    });
  }

  const commitment = textField("cct-commitment", "commitment",
    element("textarea", { id: `${id}-commitment`, rows: 2, maxlength: 2000 }));
  const when = textField("cct-commitment-date", "commitment_date",
    element("input", { id: `${id}-date`, type: "date", min: model.get("today") }));
  const ratingHint = element("p", { id: `${id}-rating-hint`, class: "cct-hint" });
  const relevanceError = errorFor("relevance");
  const relevance = choiceGroup("relevance", "cct-relevance", SCALE, { field: "relevance", hint: `${id}-rating-hint` });
  const usefulnessError = errorFor("usefulness");
  const usefulness = choiceGroup("usefulness", "cct-usefulness", SCALE, { field: "usefulness", hint: `${id}-rating-hint` });

  const looking = element("summary");
  const more = element("details", { class: "cct-more" }, [looking]);
  const prompts = {};
  for (const stage of model.get("stages")) {
    prompts[stage.id] = textField(`cct-prompt-${stage.id}`, `prompt:${stage.id}`,
      element("textarea", { id: `${id}-${stage.id}`, rows: 3, maxlength: 4000 }));
    more.append(...prompts[stage.id].nodes);
  }
  const codeHelp = element("p", { id: `${id}-code-help`, class: "cct-hint" });
  const code = textField("cct-code", "code",
    element("input", { id: `${id}-code`, type: "text", maxlength: 12, autocomplete: "off", autocapitalize: "characters", spellcheck: "false" }),
    `${id}-code-help`);
  const codeSummary = element("summary");
  const codeBox = element("details", { class: "cct-more cct-code-box" }, [codeSummary, codeHelp, ...code.nodes]);

  return {
    nodes: [
      confidence, scaleHint, ...blocks.map((b) => b.node),
      ...commitment.nodes, ...when.nodes,
      ratingHint, relevance.set, relevanceError, usefulness.set, usefulnessError,
      more, codeBox,
    ],
    watch: ["competencies", "stages"],
    collect() {
      const values = { before: {}, now: {}, prompts: {} };
      for (const b of blocks) {
        values.before[b.competency.id] = number(b.before);
        values.now[b.competency.id] = number(b.now);
      }
      for (const [stage, field] of Object.entries(prompts)) values.prompts[stage] = field.control.value;
      values.commitment = commitment.control.value;
      values.commitment_date = when.control.value;
      values.relevance = number(relevance);
      values.usefulness = number(usefulness);
      values.code = code.control.value;
      return values;
    },
    fill(values) {
      values = values || {};
      for (const b of blocks) {
        b.before.setValue((values.before || {})[b.competency.id]);
        b.now.setValue((values.now || {})[b.competency.id]);
      }
      for (const [stage, field] of Object.entries(prompts)) setText(field.control, (values.prompts || {})[stage]);
      if (Object.values(prompts).some((field) => field.control.value)) more.open = true; // a draft's words show
      setText(commitment.control, values.commitment);
      setText(when.control, values.commitment_date);
      relevance.setValue(values.relevance);
      usefulness.setValue(values.usefulness);
      setText(code.control, values.code);
      if (code.control.value) codeBox.open = true;
    },
    relabel(t, required, optional) {
      confidence.textContent = `${t.CONFIDENCE || ""}${required}`; // every rating below is asked
      scaleHint.textContent = t.SCALE_HINT || "";
      for (const [k, competency] of model.get("competencies").entries()) {
        blocks[k].heading.textContent = competency.name;
        blocks[k].before.legend.textContent = t.BEFORE || "";
        blocks[k].now.legend.textContent = t.NOW || "";
      }
      looking.textContent = `${t.GIBBS_HEADING || ""}${optional}`;
      for (const stage of model.get("stages")) {
        const field = prompts[stage.id];
        field.label.textContent = `${stage.label}${stage.required ? required : optional}`;
        if (stage.required) field.control.setAttribute("aria-required", "true");
        else field.control.removeAttribute("aria-required");
      }
      commitment.label.textContent = `${t.COMMITMENT}${required}`;
      commitment.control.setAttribute("aria-required", "true");
      when.label.textContent = `${t.COMMITMENT_DATE}${required}`;
      when.control.setAttribute("aria-required", "true");
      ratingHint.textContent = t.RATING_HINT || "";
      relevance.legend.textContent = `${t.RELEVANCE}${required}`;
      usefulness.legend.textContent = `${t.USEFULNESS}${required}`;
      codeHelp.textContent = t.CODE_HELP || "";
      code.label.textContent = `${t.CODE}${optional}`;
      codeSummary.textContent = code.label.textContent;
    },
    controls: () => [
      [commitment.control, "commitment"],
      [when.control, "commitment_date"],
      [code.control, "code"],
      [relevance.set, "relevance"],
      [usefulness.set, "usefulness"],
      ...Object.entries(prompts).map(([stage, field]) => [field.control, `prompt:${stage}`]),
      ...blocks.flatMap((b) => [[b.before.set, b.field], [b.now.set, b.field]]),
    ],
  };
}

function render({ model, el }) {
  return mountForm({ model, el, kind: "reflection", build: buildReflection });
}

export default { render };
