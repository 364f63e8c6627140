// The client feedback's questions (toolkit/reflect/feedback.py), on form_parts.js: three
// questions with a few large choices each, nothing typed, nothing that identifies anyone.

function buildFeedback({ model, element, errorFor, choiceGroup }) {
  const groups = [];
  const nodes = [];
  for (const [k, item] of model.get("items").entries()) {
    const field = `item:${item.id}`;
    const error = errorFor(field);
    const group = choiceGroup(`q-${k}`, `cct-q-${item.id}`, item.choices.map(([value]) => value), { field });
    groups.push({ item, group, field });
    nodes.push(group.set, error);
  }
  return {
    nodes,
    collect() {
      const answers = {};
      for (const { item, group } of groups) answers[item.id] = group.value();
      return { answers };
    },
    fill(values) {
      const answers = (values || {}).answers || {};
      for (const { item, group } of groups) group.setValue(answers[item.id]);
    },
    relabel(t, required) {
      const items = Object.fromEntries(model.get("items").map((item) => [item.id, item]));
      for (const { item, group } of groups) {
        const now = items[item.id] || item;
        group.legend.textContent = `${now.name}${required}`;
        for (const [value, label] of now.choices) group.labels[value].textContent = label;
      }
    },
    controls: () => groups.map(({ group, field }) => [group.set, field]),
  };
}

function render({ model, el }) {
  return mountForm({ model, el, kind: "feedback", build: buildFeedback });
}

export default { render };
