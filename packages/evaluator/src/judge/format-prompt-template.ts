import { InvalidArgumentError } from '@tonekit/core';

/**
 * Fills a FastChat prompt template the way Python's `str.format(**values)` does for the fields those
 * templates use: `{name}` becomes `values.name`, `{{` and `}}` become literal braces, values are inserted
 * as they are (braces inside an answer are not interpreted), and names not in the template are ignored.
 * A field missing from `values` (Python's KeyError), an unmatched brace (ValueError) or a field with an
 * index, attribute, conversion or format spec (not used by MT-Bench) rejects with InvalidArgumentError.
 */
export function formatPromptTemplate(template: string, values: Readonly<Record<string, string>>): string {
  let output = '';
  let index = 0;
  while (index < template.length) {
    const open = template.indexOf('{', index);
    const close = template.indexOf('}', index);
    if (open === -1 && close === -1) {
      output += template.slice(index);
      break;
    }
    if (close !== -1 && (open === -1 || close < open)) {
      if (template[close + 1] !== '}') fail(template, `single '}' at offset ${close}.`);
      output += `${template.slice(index, close)}}`;
      index = close + 2;
      continue;
    }
    output += template.slice(index, open);
    if (template[open + 1] === '{') {
      output += '{';
      index = open + 2;
      continue;
    }
    const end = template.indexOf('}', open);
    if (end === -1) fail(template, `single '{' at offset ${open}.`);
    const field = template.slice(open + 1, end);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) {
      fail(template, `field "{${field}}" is not a plain name; only {name} fields are supported.`);
    }
    if (!Object.hasOwn(values, field)) fail(template, `no value for field "{${field}}".`);
    output += values[field];
    index = end + 1;
  }
  return output;
}

function fail(template: string, message: string): never {
  throw new InvalidArgumentError({ argument: 'template', value: template, message });
}
