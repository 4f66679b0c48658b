// The layout of a YAML file, so an edited file keeps looking like its author wrote it: the
// indentation of maps and of sequences, the line ends, and where a closing comment sits.
import { isMap, type Document, type ToStringOptions } from 'yaml';
import { YAML_OUTPUT } from './render.js';

/** `doc.toString` options that reproduce the layout of `text`, and whether it uses CRLF. */
export function styleOf(text: string): ToStringOptions & { crlf: boolean } {
  const lines = text
    .split(/\r?\n/)
    .map((raw) => ({ indent: raw.length - raw.trimStart().length, text: raw.trim() }))
    .filter((line) => line.text !== '' && !line.text.startsWith('#'));
  let indent: number | undefined;
  let indentSeq: boolean | undefined;
  lines.forEach((line, i) => {
    const previous = lines[i - 1];
    if (!previous || !/:$/.test(previous.text.replace(/\s+#.*$/, ''))) return;
    if (/^-(\s|$)/.test(line.text)) indentSeq ??= line.indent > previous.indent;
    else if (line.indent > previous.indent) indent ??= line.indent - previous.indent;
  });
  return {
    ...YAML_OUTPUT,
    indent: Math.min(indent ?? 2, 8),
    indentSeq: indentSeq ?? true,
    crlf: text.includes('\r\n'),
  };
}

/** yaml sets a blank line before a file's closing comment; keep it attached where it was. */
export function keepTrailingComment(doc: Document, text: string) {
  if (!doc.comment || !isMap(doc.contents) || doc.contents.comment) return;
  if (/\n[ \t]*\r?\n(?:[ \t]*#.*\r?\n?)+\s*$/.test(text)) return;
  doc.contents.comment = doc.comment;
  doc.comment = null;
}
