// What every participant form shares (toolkit/reflect/participant.py): the page around the
// questions (title, language, send, the answer to a send, another person on this device), the
// draft kept in the browser's localStorage, the connection notice, and the words in the page's
// language. A form's own file (reflection_form.js, checkin_form.js, feedback_form.js) is appended
// to this one into a single module and calls mountForm with the questions it builds (and the
// model's traits that change them: ``watch``).
// The look is the reflection form's stylesheet (reflection_form.css, class cct-reflection).

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

function mountForm({ model, el, kind, build }) {
  const id = `cct-${kind}-${++formCount}`;
  const storageKey = () => `cct-${kind}:${model.get("session_id")}`;
  const texts = () => model.get("texts") || {};
  const root = element("div", { class: `cct-reflection cct-${kind}` });
  el.append(root);

  const title = element("h1", { id: `${id}-title` });
  const languageLabel = element("label", { for: `${id}-lang` });
  const language = element("select", { id: `${id}-lang` });
  for (const [code, name] of model.get("languages")) {
    language.append(element("option", { value: code, lang: code, text: name }));
  }
  const languageRow = element("div", { class: "cct-language" }, [languageLabel, language]);
  const intro = element("p");
  const draftKept = element("p", { class: "cct-hint" });

  // -- helpers the form's questions are built with ----------------------------------------------
  const errorNodes = {}; // field -> the message shown next to it
  const errorFor = (field) => {
    const node = element("p", { class: "cct-error", id: `${id}-error-${Object.keys(errorNodes).length}` });
    errorNodes[field] = node;
    return node;
  };
  // a group of radio buttons (or check boxes) in a fieldset; values and their labels later
  const choiceGroup = (name, css, values, { field = null, hint = null, type = "radio" } = {}) => {
    const legend = element("legend");
    const described = [hint, field && errorNodes[field] ? errorNodes[field].id : null].filter(Boolean).join(" ");
    const set = element("fieldset", { class: `cct-radio ${css}`, "aria-describedby": described || null }, [legend]);
    const options = element("div", { class: "cct-options" });
    const labels = {};
    for (const value of values) {
      const input = element("input", { type, name: `${id}-${name}`, value, "data-value": value });
      labels[value] = element("span", { text: String(value) });
      options.append(element("label", {}, [input, labels[value]]));
    }
    set.append(options);
    const inputs = () => [...root.querySelectorAll(`input[name="${id}-${name}"]`)];
    return {
      set, legend, labels,
      value: () => { const on = inputs().find((i) => i.checked); return on ? on.value : null; },
      values: () => inputs().filter((i) => i.checked).map((i) => i.value),
      setValue(value) {
        const wanted = Array.isArray(value) ? value.map(String) : [String(value)];
        for (const input of inputs()) input.checked = value !== null && value !== undefined && wanted.includes(input.value);
      },
    };
  };
  const textField = (css, field, control, help = null) => {
    const label = element("label", { for: control.id });
    const error = errorFor(field);
    control.setAttribute("aria-describedby", [help, error.id].filter(Boolean).join(" "));
    return { label, control, nodes: [element("div", { class: `cct-field ${css}` }, [label, control]), error] };
  };
  const setText = (control, value) => {
    const text = typeof value === "string" ? value : "";
    if (control.value !== text) control.value = text;
  };

  const questions = build({ id, model, element, errorFor, choiceGroup, textField, setText, SCALE });
  const form = element("form", { class: "cct-fields", novalidate: true, "aria-labelledby": title.id },
    [intro, draftKept, ...questions.nodes]);
  const send = element("button", { type: "button", class: "cct-send" });
  const status = element("div", { class: "cct-status" });
  const another = element("button", { type: "button", class: "cct-another", hidden: true });
  const connection = element("p", { class: "cct-connection", role: "status", hidden: true });
  root.append(title, languageRow, connection, form, send, status, another);

  // -- answers: page <-> model <-> draft --------------------------------------------------------
  const keepDraft = () => {
    const state = { submission_id: model.get("submission_id"), sent: model.get("sent"), lang: model.get("lang") };
    if (!state.sent) state.values = questions.collect();
    try { window.localStorage.setItem(storageKey(), JSON.stringify(state)); }
    catch (e) { /* private browsing: the draft lives as long as the page */ }
  };
  const changed = (event) => {
    const node = event.target.closest("fieldset, .cct-field");
    const error = node && node.nextElementSibling;
    if (error && error.classList.contains("cct-error") && !node.closest("section")) error.textContent = "";
    model.set("values", questions.collect());
    model.save_changes();
    keepDraft();
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // -- words, in the page's language --------------------------------------------------------------
  const relabel = () => {
    const t = texts();
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
    another.textContent = t.ANOTHER || "";
    connection.textContent = t.RECONNECTING || "";
    questions.relabel(t, ` ${t.REQUIRED_MARK || ""}`, ` ${t.OPTIONAL_MARK || ""}`);
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
    for (const [control, field] of questions.controls()) {
      const inputs = control.tagName === "FIELDSET" ? control.querySelectorAll("input") : [control];
      for (const input of inputs) {
        if (errors[field]) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      }
    }
  };
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
  // (in a block of several choices, such as a competency's, the first still empty) and scroll
  // the whole question into view, with its heading
  const goToFirstMissing = () => {
    const errors = model.get("errors") || {};
    const field = Object.keys(errorNodes).find((name) => errors[name]);
    if (!field) return;
    const node = errorNodes[field];
    const block = node.closest(".cct-competency");
    let control = null;
    if (block) {
      const empty = [...block.querySelectorAll("fieldset")].find((set) => !set.querySelector("input:checked"));
      control = (empty || block).querySelector("input");
    } else {
      const holder = node.previousElementSibling;
      control = holder && holder.querySelector("input, textarea");
    }
    if (!control) return;
    const folded = control.closest("details");
    if (folded) folded.open = true;
    const question = control.closest(".cct-competency, fieldset, .cct-field") || control;
    control.focus({ preventScroll: true });
    question.scrollIntoView({ block: "center" });
  };

  // -- actions ---------------------------------------------------------------------------------
  send.addEventListener("click", () => {
    if (send.disabled) return;
    send.disabled = true; // a double click sends once; the kernel's answer enables it again
    model.send({ event: "send", values: questions.collect() });
  });
  another.addEventListener("click", () => model.send({ event: "another" }));
  language.addEventListener("change", () => {
    model.set("lang", language.value);
    model.save_changes();
    keepDraft();
  });

  model.on("change:texts", relabel);
  model.on("change:dir", relabel);
  for (const name of ["items", ...(questions.watch || [])]) model.on(`change:${name}`, relabel);
  model.on("change:errors", showErrors);
  model.on("change:status", showStatus);
  model.on("change:busy", showSending);
  model.on("change:sent", () => { showStatus(); keepDraft(); if (!model.get("sent")) questions.fill(model.get("values")); });
  model.on("change:submission_id", keepDraft);
  model.on("change:values", () => questions.fill(model.get("values")));
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
    if (!kept.sent && kept.values) questions.fill(kept.values);
    model.send({ event: "restore", state: kept });
  }
  return () => {
    window.removeEventListener("cct-connection-lost", connectionLost);
    window.removeEventListener("cct-connection-back", connectionBack);
  };
}
