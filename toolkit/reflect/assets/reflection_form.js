// The participant's reflection form, drawn with plain HTML controls (toolkit/reflect/form.py).
// The kernel checks and stores the answers; this file lays them out, keeps the draft in the
// browser's localStorage, and tells the kernel what the participant typed.

const SCALE = [1, 2, 3, 4, 5];
let formCount = 0;

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) node.append(child);
  return node;
}

function render({ model, el }) {
  const id = `cct-${++formCount}`;
  const storageKey = () => `cct-reflection:${model.get("session_id")}`;
  const texts = () => model.get("texts") || {};
  const root = element("div", { class: "cct-reflection" });
  el.append(root);

  // -- the page ------------------------------------------------------------------------------
  const title = element("h1", { id: `${id}-title` });
  const languageLabel = element("label", { for: `${id}-lang` });
  const language = element("select", { id: `${id}-lang` });
  for (const [code, name] of model.get("languages")) {
    language.append(element("option", { value: code, lang: code, text: name }));
  }
  const languageRow = element("div", { class: "cct-language" }, [languageLabel, language]);
  const intro = element("p");
  const draftKept = element("p", { class: "cct-hint" });
  const confidence = element("h2");
  const scaleHint = element("p", { id: `${id}-scale`, class: "cct-hint" });

  const errorNodes = {}; // field -> the message shown next to it
  const errorFor = (field) => {
    const node = element("p", { class: "cct-error", id: `${id}-error-${Object.keys(errorNodes).length}` });
    errorNodes[field] = node;
    return node;
  };
  const radioGroup = (name, css, hint, field) => {
    const legend = element("legend");
    const set = element("fieldset", {
      class: `cct-radio ${css}`,
      "aria-describedby": `${hint} ${errorNodes[field] ? errorNodes[field].id : ""}`.trim(),
    }, [legend]);
    const options = element("div", { class: "cct-options" });
    for (const value of SCALE) {
      const input = element("input", { type: "radio", name: `${id}-${name}`, value, "data-value": value });
      options.append(element("label", {}, [input, element("span", { text: String(value) })]));
    }
    set.append(options);
    return { set, legend, name };
  };

  const competencyBlocks = [];
  const ratingGroups = {}; // "before:<id>" -> group
  for (const [k, competency] of model.get("competencies").entries()) {
    const field = `competency:${competency.id}`;
    const heading = element("h3", { id: `${id}-c${k}` });
    const error = errorFor(field);
    const before = radioGroup(`before-${k}`, `cct-before-${k}`, `${id}-scale`, field);
    const now = radioGroup(`now-${k}`, `cct-now-${k}`, `${id}-scale`, field);
    ratingGroups[`before:${competency.id}`] = before;
    ratingGroups[`now:${competency.id}`] = now;
    competencyBlocks.push({
      heading, before, now,
      node: element("section", { class: "cct-competency", "aria-labelledby": heading.id }, [heading, before.set, now.set, error]),
    });
  }

  // the reflective prompts are optional: folded away, so the required part fits five minutes
  const looking = element("summary");
  const more = element("details", { class: "cct-more" }, [looking]);
  const prompts = {};
  const promptNodes = [];
  for (const stage of model.get("stages")) {
    const field = `prompt:${stage.id}`;
    const label = element("label", { for: `${id}-${stage.id}` });
    const error = errorFor(field);
    const box = element("textarea", { id: `${id}-${stage.id}`, rows: 3, maxlength: 4000, "aria-describedby": error.id });
    prompts[stage.id] = { label, box };
    promptNodes.push(element("div", { class: `cct-field cct-prompt-${stage.id}` }, [label, box]), error);
  }
  more.append(...promptNodes);
  const textField = (css, field, control) => {
    const label = element("label", { for: control.id });
    const error = errorFor(field);
    control.setAttribute("aria-describedby", error.id);
    return { label, control, nodes: [element("div", { class: `cct-field ${css}` }, [label, control]), error] };
  };
  const commitment = textField("cct-commitment", "commitment",
    element("textarea", { id: `${id}-commitment`, rows: 2, maxlength: 2000 }));
  const when = textField("cct-commitment-date", "commitment_date",
    element("input", { id: `${id}-date`, type: "date", min: model.get("today") }));
  const relevanceError = errorFor("relevance");
  const relevance = radioGroup("relevance", "cct-relevance", `${id}-rating-hint`, "relevance");
  const usefulnessError = errorFor("usefulness");
  const usefulness = radioGroup("usefulness", "cct-usefulness", `${id}-rating-hint`, "usefulness");
  const ratingHint = element("p", { id: `${id}-rating-hint`, class: "cct-hint" });
  const codeHelp = element("p", { id: `${id}-code-help`, class: "cct-hint" });
  const code = textField("cct-code", "code",
    element("input", { id: `${id}-code`, type: "text", maxlength: 12, autocomplete: "off", autocapitalize: "characters", spellcheck: "false" }));
  code.control.setAttribute("aria-describedby", `${id}-code-help ${errorNodes.code.id}`);
  // the optional code, with the help on making one, folded like the prompts
  const codeSummary = element("summary");
  const codeBox = element("details", { class: "cct-more cct-code-box" }, [codeSummary, codeHelp, ...code.nodes]);

  const form = element("form", { class: "cct-fields", novalidate: true, "aria-labelledby": title.id }, [
    intro, draftKept, confidence, scaleHint,
    ...competencyBlocks.map((b) => b.node),
    ...commitment.nodes, ...when.nodes,
    ratingHint, relevance.set, relevanceError, usefulness.set, usefulnessError,
    more, codeBox,
  ]);
  const send = element("button", { type: "button", class: "cct-send" });
  const status = element("div", { class: "cct-status" });
  const another = element("button", { type: "button", class: "cct-another", hidden: true });
  const connection = element("p", { class: "cct-connection", role: "status", hidden: true });
  root.append(title, languageRow, connection, form, send, status, another);

  // -- answers: page <-> model <-> draft --------------------------------------------------------
  const checked = (group) => {
    const input = root.querySelector(`input[name="${id}-${group.name}"]:checked`);
    return input ? Number(input.value) : null;
  };
  const collect = () => {
    const values = { before: {}, now: {}, prompts: {} };
    for (const competency of model.get("competencies")) {
      values.before[competency.id] = checked(ratingGroups[`before:${competency.id}`]);
      values.now[competency.id] = checked(ratingGroups[`now:${competency.id}`]);
    }
    for (const [stage, { box }] of Object.entries(prompts)) values.prompts[stage] = box.value;
    values.commitment = commitment.control.value;
    values.commitment_date = when.control.value;
    values.relevance = checked(relevance);
    values.usefulness = checked(usefulness);
    values.code = code.control.value;
    return values;
  };
  const setChecked = (group, value) => {
    for (const input of root.querySelectorAll(`input[name="${id}-${group.name}"]`)) {
      input.checked = Number(input.value) === value;
    }
  };
  const setText = (control, value) => {
    const text = typeof value === "string" ? value : "";
    if (control.value !== text) control.value = text;
  };
  const fill = (values) => {
    values = values || {};
    for (const competency of model.get("competencies")) {
      setChecked(ratingGroups[`before:${competency.id}`], (values.before || {})[competency.id]);
      setChecked(ratingGroups[`now:${competency.id}`], (values.now || {})[competency.id]);
    }
    for (const [stage, { box }] of Object.entries(prompts)) setText(box, (values.prompts || {})[stage]);
    if (Object.values(prompts).some(({ box }) => box.value)) more.open = true; // a draft's words show
    if (code.control.value) codeBox.open = true;
    setText(commitment.control, values.commitment);
    setText(when.control, values.commitment_date);
    setChecked(relevance, values.relevance);
    setChecked(usefulness, values.usefulness);
    setText(code.control, values.code);
  };
  const keepDraft = () => {
    const state = { submission_id: model.get("submission_id"), sent: model.get("sent"), lang: model.get("lang") };
    if (!state.sent) state.values = collect();
    try { window.localStorage.setItem(storageKey(), JSON.stringify(state)); }
    catch (e) { /* private browsing: the draft lives as long as the page */ }
  };
  const changed = (event) => {
    const node = event.target.closest("fieldset, .cct-field");
    const error = node && node.nextElementSibling;
    if (error && error.classList.contains("cct-error") && !node.closest(".cct-competency")) error.textContent = "";
    model.set("values", collect());
    model.save_changes();
    keepDraft();
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // -- words, in the page's language --------------------------------------------------------------
  const relabel = () => {
    const t = texts();
    const req = ` ${t.REQUIRED_MARK || ""}`;
    const lang = model.get("lang");
    const dir = model.get("dir");
    document.documentElement.lang = lang;
    document.documentElement.dir = dir;
    root.setAttribute("lang", lang);
    root.setAttribute("dir", dir);
    root.classList.toggle("cct-rtl", dir === "rtl");
    language.value = lang;
    title.textContent = t.TITLE || "";
    document.title = t.TITLE || document.title; // what a screen reader announces first
    languageLabel.textContent = t.LANGUAGE || "";
    intro.textContent = t.INTRO || "";
    draftKept.textContent = t.DRAFT_KEPT || "";
    confidence.textContent = `${t.CONFIDENCE || ""}${req}`; // every rating below is asked
    scaleHint.textContent = t.SCALE_HINT || "";
    for (const [k, competency] of model.get("competencies").entries()) {
      const block = competencyBlocks[k];
      block.heading.textContent = competency.name;
      block.before.legend.textContent = t.BEFORE || "";
      block.now.legend.textContent = t.NOW || "";
    }
    looking.textContent = `${t.GIBBS_HEADING || ""} ${t.OPTIONAL_MARK || ""}`;
    for (const stage of model.get("stages")) {
      prompts[stage.id].label.textContent = `${stage.label} ${stage.required ? t.REQUIRED_MARK : t.OPTIONAL_MARK}`;
      if (stage.required) prompts[stage.id].box.setAttribute("aria-required", "true");
      else prompts[stage.id].box.removeAttribute("aria-required");
    }
    commitment.label.textContent = `${t.COMMITMENT}${req}`;
    commitment.control.setAttribute("aria-required", "true");
    when.label.textContent = `${t.COMMITMENT_DATE}${req}`;
    when.control.setAttribute("aria-required", "true");
    ratingHint.textContent = t.RATING_HINT || "";
    relevance.legend.textContent = `${t.RELEVANCE}${req}`;
    usefulness.legend.textContent = `${t.USEFULNESS}${req}`;
    codeHelp.textContent = t.CODE_HELP || "";
    code.label.textContent = `${t.CODE} ${t.OPTIONAL_MARK}`;
    codeSummary.textContent = code.label.textContent;
    another.textContent = t.ANOTHER || "";
    connection.textContent = t.RECONNECTING || "";
    showSending();
    showErrors();
    showStatus();
  };
  const showSending = () => {
    const t = texts();
    send.textContent = model.get("busy") ? t.SENDING : t.SEND;
    send.disabled = model.get("busy") || model.get("sent");
  };
  const showErrors = () => {
    const errors = model.get("errors") || {};
    for (const [field, node] of Object.entries(errorNodes)) {
      node.textContent = errors[field] || "";
      const folded = node.closest("details");
      if (errors[field] && folded) folded.open = true; // a message is never hidden in a fold
    }
    for (const [control, field] of fieldControls()) {
      const inputs = control.tagName === "FIELDSET" ? control.querySelectorAll("input") : [control];
      for (const input of inputs) {
        if (errors[field]) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      }
    }
  };
  const fieldControls = () => [
    [commitment.control, "commitment"],
    [when.control, "commitment_date"],
    [code.control, "code"],
    [relevance.set, "relevance"],
    [usefulness.set, "usefulness"],
    ...Object.entries(prompts).map(([stage, { box }]) => [box, `prompt:${stage}`]),
    ...model.get("competencies").flatMap((c) => [
      [ratingGroups[`before:${c.id}`].set, `competency:${c.id}`],
      [ratingGroups[`now:${c.id}`].set, `competency:${c.id}`],
    ]),
  ];
  let lastStatus = -1;
  const showStatus = () => {
    const answer = model.get("status") || {};
    status.replaceChildren();
    const problem = answer.kind === "missing" || answer.kind === "failed";
    if (answer.text) {
      status.append(element("div", {
        role: problem ? "alert" : "status",
        class: problem ? "cct-problem" : `cct-confirm cct-${answer.kind}`,
        text: answer.text,
      }));
    }
    const sent = model.get("sent");
    form.hidden = sent;
    send.hidden = sent;
    another.hidden = !sent;
    showSending();
    if (answer.n !== lastStatus && lastStatus !== -1 && answer.kind === "missing") {
      showErrors(); // the errors may arrive in the same update, after the status
      goToFirstMissing();
    }
    lastStatus = answer.n;
  };

  // take the participant to the first question that needs an answer: focus its first control
  // (for a competency, the first of its two ratings still empty) and scroll it into view
  const goToFirstMissing = () => {
    const errors = model.get("errors") || {};
    const field = Object.keys(errorNodes).find((name) => errors[name]); // in page order
    if (!field) return;
    const node = errorNodes[field];
    let control = null;
    if (field.startsWith("competency:")) {
      const block = node.closest(".cct-competency");
      const empty = [...block.querySelectorAll("fieldset")].find((set) => !set.querySelector("input:checked"));
      control = (empty || block).querySelector("input");
    } else {
      const holder = node.previousElementSibling;
      control = holder && holder.querySelector("input, textarea");
    }
    if (!control) return;
    const folded = control.closest("details");
    if (folded) folded.open = true;
    // the whole question in view, with its heading (a competency's name) and some context
    const question = control.closest(".cct-competency, fieldset, .cct-field") || control;
    control.focus({ preventScroll: true });
    question.scrollIntoView({ block: "center" });
  };

  // -- actions ---------------------------------------------------------------------------------
  send.addEventListener("click", () => {
    if (send.disabled) return;
    send.disabled = true; // a double click sends once; the kernel's answer enables it again
    model.send({ event: "send", values: collect() });
  });
  another.addEventListener("click", () => model.send({ event: "another" }));
  language.addEventListener("change", () => {
    model.set("lang", language.value);
    model.save_changes();
    keepDraft();
  });

  model.on("change:texts", relabel);
  model.on("change:competencies", relabel);
  model.on("change:stages", relabel);
  model.on("change:dir", relabel);
  model.on("change:errors", showErrors);
  model.on("change:status", showStatus);
  model.on("change:busy", showSending);
  model.on("change:sent", () => { showStatus(); keepDraft(); if (!model.get("sent")) fill(model.get("values")); });
  model.on("change:submission_id", keepDraft);
  model.on("change:values", () => fill(model.get("values")));
  const connectionLost = () => { connection.hidden = false; };
  const connectionBack = () => {
    connection.hidden = true;
    showSending(); // a click lost with the connection can be made again (it saves once)
  };
  window.addEventListener("cct-connection-lost", connectionLost);
  window.addEventListener("cct-connection-back", connectionBack);

  relabel();
  lastStatus = (model.get("status") || {}).n;

  // -- a draft kept from an earlier visit ------------------------------------------------------
  let kept = null;
  try { kept = JSON.parse(window.localStorage.getItem(storageKey()) || "null"); } catch (e) { kept = null; }
  if (kept && typeof kept === "object") {
    if (!kept.sent && kept.values) fill(kept.values);
    model.send({ event: "restore", state: kept });
  }
  return () => {
    window.removeEventListener("cct-connection-lost", connectionLost);
    window.removeEventListener("cct-connection-back", connectionBack);
  };
}

export default { render };
