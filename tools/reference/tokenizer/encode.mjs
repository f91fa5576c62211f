// Reference tokenizer for the C# parity tests: wraps @huggingface/tokenizers (pinned in package.json).
//
// Usage: node encode.mjs <tokenizerDir> [--decode] [--no-special-tokens] [--skip-special-tokens]
//   encode (default): stdin is a JSON array of strings; stdout is a JSON array of id arrays.
//   --decode:         stdin is a JSON array of id arrays; stdout is a JSON array of strings.
// The folder must hold tokenizer.json; tokenizer_config.json is optional (an empty config is used without it).
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith("--"));
if (!dir) {
  console.error("usage: node encode.mjs <tokenizerDir> [--decode] [--no-special-tokens] [--skip-special-tokens]");
  process.exit(2);
}

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
const configPath = join(dir, "tokenizer_config.json");
const tokenizer = new Tokenizer(
  readJson(join(dir, "tokenizer.json")),
  existsSync(configPath) ? readJson(configPath) : {},
);

const input = JSON.parse(readFileSync(0, "utf8"));
if (!Array.isArray(input)) {
  console.error("stdin must be a JSON array");
  process.exit(2);
}

let output;
if (args.includes("--decode")) {
  const skip = args.includes("--skip-special-tokens");
  // The library rejects an empty id list; an empty list decodes to "" for the tests' purposes.
  output = input.map((ids) => (ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: skip })));
} else {
  const addSpecial = !args.includes("--no-special-tokens");
  output = input.map((text) => tokenizer.encode(text, { add_special_tokens: addSpecial }).ids);
}
process.stdout.write(JSON.stringify(output));
