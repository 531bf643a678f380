/**
 * Text from outside (command lines, paths, user names, messages built from them) may hold control
 * characters, terminal escape sequences and invisible Unicode that reorders or hides what is shown.
 * Everything printed in a text format (text, markdown, GitHub annotations, JUnit) goes through this module;
 * JSON carries strings as they are and lets JSON.stringify escape them.
 *
 * What is made visible:
 * - C0 controls, DEL and C1 controls: \x1b[2J would clear the user's screen if printed raw.
 * - Unicode format characters (general category Cf): the bidi embeddings, overrides and isolates
 *   (U+202A–U+202E, U+2066–U+2069), the directional marks (U+200E, U+200F, U+061C), zero-width characters
 *   (U+200B–U+200D, U+2060, U+FEFF), soft hyphen, tags. A U+202E in a command line makes the terminal show
 *   the rest of the line reversed ("Trojan Source", CVE-2021-42574), so what is read is not what runs.
 * - U+2028/U+2029 (line and paragraph separators), which some viewers break lines on.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/gu;
// The same, keeping \t and \n, for formats that carry line breaks (markdown, annotations, JUnit).
// eslint-disable-next-line no-control-regex
const UNSAFE_EXCEPT_TAB_LF = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/gu;

/** \xNN for a code point up to U+00FF, \uNNNN up to U+FFFF, \u{NNNNN} above. */
export function codeEscape(c: string): string {
  const code = c.codePointAt(0)!;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/** One line of text: every unsafe character written visibly (\n, \t, \r by name). */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\t':
        return '\\t';
      case '\r':
        return '\\r';
      default:
        return codeEscape(c);
    }
  });
}

/** Every unsafe character as a code escape, line breaks included (text pasted into a shell command). */
export function escapeControlHex(text: string): string {
  return text.replace(UNSAFE, codeEscape);
}

/** Text that may span lines: line breaks normalised to \n and kept, tabs kept, the rest made visible. */
export function visibleControls(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(UNSAFE_EXCEPT_TAB_LF, codeEscape);
}

/** Evidence values in text formats (a holder's whole command line is one): JSON keeps them whole. */
export const EVIDENCE_MAX_CHARS = 200;

/**
 * Long outside text (a Java class path, a 100,000-character command line) cut for text formats:
 * the first `maxChars` characters, then "… (+N chars)". JSON keeps the whole string.
 */
export function cutText(text: string, maxChars: number): string {
  const chars = Array.from(text);
  if (chars.length <= maxChars) return text;
  return `${chars.slice(0, maxChars).join('')}… (+${(chars.length - maxChars).toLocaleString('en-US')} chars)`;
}
