// Reference chat-template renderer for the C# chat parity tests: wraps @huggingface/jinja (pinned in package.json),
// the Jinja implementation transformers.js uses for apply_chat_template.
//
// Usage: node chat.mjs
//   stdin:  a JSON array of requests {template, messages, add_generation_prompt?, bos_token?, eos_token?, variables?}
//           (variables: extra template variables such as enable_thinking).
//   stdout: a JSON array with, per request, {text} on success or {error} when the template raised.
// raise_exception comes built in with the library, as in transformers: it aborts the render with its message.
import { readFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";

const input = JSON.parse(readFileSync(0, "utf8"));
if (!Array.isArray(input)) {
  console.error("stdin must be a JSON array");
  process.exit(2);
}

const output = input.map((request) => {
  try {
    const text = new Template(request.template).render({
      messages: request.messages,
      add_generation_prompt: request.add_generation_prompt ?? false,
      bos_token: request.bos_token ?? "",
      eos_token: request.eos_token ?? "",
      ...(request.variables ?? {}),
    });
    return { text };
  } catch (error) {
    return { error: String(error?.message ?? error) };
  }
});
process.stdout.write(JSON.stringify(output));
