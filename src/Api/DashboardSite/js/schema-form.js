// Renders a backend's options JSON Schema (flat object of scalars and enums) as form fields; empty fields are omitted.
import { h } from "./dom.js";

export function schemaForm(schema) {
  const inputs = {};
  const rows = Object.entries(schema?.properties ?? {}).map(([name, property]) => {
    const type = Array.isArray(property.type) ? property.type.find(t => t !== "null") : property.type;
    let input;
    if (property.enum) input = h("select", { id: `opt-${name}` }, h("option", { value: "" }, "default"), property.enum.filter(v => v !== null).map(v => h("option", { value: v }, v)));
    else if (type === "boolean") input = h("select", { id: `opt-${name}` }, ["", "true", "false"].map(v => h("option", { value: v }, v || "default")));
    else input = h("input", { id: `opt-${name}`, placeholder: property.default !== undefined ? `default ${property.default}` : "default" });
    inputs[name] = { input, type };
    return h("label", { title: property.description ?? "" }, `${name}${property.description ? ` — ${property.description}` : ""}`, input);
  });
  function read() {
    const options = {};
    for (const [name, { input, type }] of Object.entries(inputs)) {
      const value = input.value.trim();
      if (value === "") continue;
      options[name] = type === "boolean" ? value === "true" : type === "integer" || type === "number" ? Number(value) : value;
    }
    return options;
  }
  return { element: h("div", {}, rows), read };
}
