// A tiny, strict XML 1.0 reader for the JUnit tests (no XML parser is installed). It accepts an
// XML declaration, elements, attributes, text, comments and entity/character references, and
// throws on anything a real parser would reject: unmatched or crossed tags, a raw `<` or `&`,
// unknown entities, duplicate or unquoted attributes, characters XML cannot carry, trailing junk.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(source: string): XmlElement {
  const bad = NOT_XML_CHAR.exec(source);
  if (bad)
    throw new Error(`character U+${bad[0].codePointAt(0)!.toString(16)} is not allowed in XML`);
  let pos = 0;

  const fail = (message: string): never => {
    throw new Error(`${message} at offset ${pos}: ${JSON.stringify(source.slice(pos, pos + 30))}`);
  };
  const skipSpace = () => {
    while (pos < source.length && ' \t\r\n'.includes(source[pos]!)) pos++;
  };
  const expect = (literal: string) => {
    if (!source.startsWith(literal, pos)) fail(`expected ${JSON.stringify(literal)}`);
    pos += literal.length;
  };
  const readName = (): string => {
    NAME.lastIndex = pos;
    const match = NAME.exec(source);
    if (!match) return fail('expected a name');
    pos += match[0].length;
    return match[0];
  };
  const decode = (raw: string): string =>
    raw.replace(/&([^;]*);?/g, (whole, ref: string) => {
      if (!whole.endsWith(';')) return fail(`unterminated reference ${whole}`);
      if (/^#x[0-9a-fA-F]+$/.test(ref)) return String.fromCodePoint(parseInt(ref.slice(2), 16));
      if (/^#[0-9]+$/.test(ref)) return String.fromCodePoint(parseInt(ref.slice(1), 10));
      return PREDEFINED[ref] ?? fail(`unknown entity &${ref};`);
    });
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
      } else return;
    }
  };

  const readElement = (): XmlElement => {
    expect('<');
    const name = readName();
    const attributes: Record<string, string> = {};
    for (;;) {
      const before = pos;
      skipSpace();
      if (source.startsWith('/>', pos)) {
        pos += 2;
        return { name, attributes, children: [], text: '' };
      }
      if (source[pos] === '>') {
        pos++;
        break;
      }
      if (pos === before) fail('expected whitespace before an attribute');
      const key = readName();
      if (key in attributes) fail(`duplicate attribute ${key}`);
      skipSpace();
      expect('=');
      skipSpace();
      const quote = source[pos];
      if (quote !== '"' && quote !== "'") return fail('unquoted attribute value');
      const end = source.indexOf(quote, pos + 1);
      if (end < 0) fail('unterminated attribute value');
      const raw = source.slice(pos + 1, end);
      if (raw.includes('<')) fail('raw < in an attribute value');
      attributes[key] = decode(raw);
      pos = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (pos >= source.length) fail(`unclosed <${name}>`);
      if (source.startsWith('</', pos)) {
        pos += 2;
        const closing = readName();
        if (closing !== name) fail(`</${closing}> closes <${name}>`);
        skipSpace();
        expect('>');
        return { name, attributes, children, text };
      }
      if (source.startsWith('<!--', pos)) {
        skipMisc();
      } else if (source[pos] === '<') {
        children.push(readElement());
      } else {
        const end = source.indexOf('<', pos);
        const raw = source.slice(pos, end < 0 ? source.length : end);
        if (raw.includes(']]>')) fail('"]]>" in text');
        text += decode(raw);
        pos += raw.length;
      }
    }
  };

  if (source.startsWith('<?xml', pos)) {
    const end = source.indexOf('?>', pos);
    if (end < 0) fail('unterminated XML declaration');
    pos = end + 2;
  }
  skipMisc();
  const root = readElement();
  skipMisc();
  if (pos !== source.length) fail('content after the root element');
  return root;
}

/** Every element named `name`, depth first. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  const found = root.name === name ? [root] : [];
  return found.concat(root.children.flatMap((child) => findAll(child, name)));
}
