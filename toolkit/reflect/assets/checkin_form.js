// The follow-up check-in's questions (toolkit/reflect/checkin.py), on form_parts.js: for the
// commitment and each competency, how often it was applied and confidence now; what got in the
// way; the optional self-generated code.

function buildCheckIn({ id, model, element, errorFor, choiceGroup, textField, setText, SCALE }) {
  const choices = model.get("choices") || {};
  const frequencies = (choices.frequency || []).map(([value]) => value);
  const obstacleIds = (choices.obstacles || []).map(([value]) => value);
  const heading = element("h2");
  const scaleHint = element("p", { id: `${id}-scale`, class: "cct-hint" });
  const blocks = [];
  for (const [k, item] of model.get("items").entries()) {
    const field = `item:${item.id}`;
    const title = element("h3", { id: `${id}-i${k}` });
    const error = errorFor(field);
    const often = choiceGroup(`often-${k}`, `cct-often-${k}`, frequencies, { field });
    const confidence = choiceGroup(`confidence-${k}`, `cct-confidence-${k}`, SCALE, { field, hint: `${id}-scale` });
    blocks.push({
      item, title, often, confidence, field,
      node: element("section", { class: "cct-competency", "aria-labelledby": title.id }, [title, often.set, confidence.set, error]),
    });
  }
  const obstacles = choiceGroup("obstacles", "cct-obstacles", obstacleIds, { type: "checkbox" });
  const other = textField("cct-obstacle-text", "obstacle_text",
    element("textarea", { id: `${id}-other`, rows: 2, maxlength: 2000 }));
  const codeHelp = element("p", { id: `${id}-code-help`, class: "cct-hint" });
  const code = textField("cct-code", "code",
    element("input", { id: `${id}-code`, type: "text", maxlength: 12, autocomplete: "off", autocapitalize: "characters", spellcheck: "false" }),
    `${id}-code-help`);

  return {
    nodes: [heading, scaleHint, ...blocks.map((b) => b.node), obstacles.set, ...other.nodes, codeHelp, ...code.nodes],
    collect() {
      const values = { often: {}, confidence: {} };
      for (const b of blocks) {
        values.often[b.item.id] = b.often.value();
        const level = b.confidence.value();
        values.confidence[b.item.id] = level === null ? null : Number(level);
      }
      values.obstacles = obstacles.values();
      values.obstacle_text = other.control.value;
      values.code = code.control.value;
      return values;
    },
    fill(values) {
      values = values || {};
      for (const b of blocks) {
        b.often.setValue((values.often || {})[b.item.id]);
        b.confidence.setValue((values.confidence || {})[b.item.id]);
      }
      obstacles.setValue(Array.isArray(values.obstacles) ? values.obstacles : []);
      setText(other.control, values.obstacle_text);
      setText(code.control, values.code);
    },
    relabel(t, required, optional) {
      const names = Object.fromEntries(model.get("items").map((item) => [item.id, item.name]));
      const labels = model.get("choices") || {};
      heading.textContent = t.HEADING || "";
      scaleHint.textContent = t.SCALE_HINT || "";
      for (const b of blocks) {
        b.title.textContent = names[b.item.id] || "";
        b.often.legend.textContent = `${t.HOW_OFTEN}${required}`;
        b.confidence.legend.textContent = `${t.CONFIDENCE_NOW}${required}`;
        for (const [value, label] of labels.frequency || []) b.often.labels[value].textContent = label;
      }
      obstacles.legend.textContent = `${t.OBSTACLES}${optional}`;
      for (const [value, label] of labels.obstacles || []) obstacles.labels[value].textContent = label;
      other.label.textContent = `${t.OBSTACLE_TEXT}${optional}`;
      codeHelp.textContent = t.CODE_HELP || "";
      code.label.textContent = `${t.CODE}${optional}`;
    },
    controls: () => [
      [code.control, "code"],
      [other.control, "obstacle_text"],
      ...blocks.flatMap((b) => [[b.often.set, b.field], [b.confidence.set, b.field]]),
    ],
  };
}

function render({ model, el }) {
  return mountForm({ model, el, kind: "checkin", build: buildCheckIn });
}

export default { render };
