/**
 * Text from outside (command lines, paths) may hold control characters and terminal escape sequences.
 * Everything printed from /proc or the filesystem goes through `escapeControl` first.
 */
// C0 controls, DEL and C1 controls; \x1b[2J would clear the user's screen if printed raw.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\t':
        return '\\t';
      case '\r':
        return '\\r';
      default:
        return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
}
