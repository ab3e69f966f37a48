/** Titles for the templates the server knows; any other key is spelled out from its name. */
const TITLES: Record<string, string> = {
  invitation: 'Invitation',
  verification: 'Email verification',
  reset_password: 'Password reset',
};

/** `reset_password` → "Password reset"; an unknown `some_key` → "Some key". */
export function templateTitle(key: string): string {
  const known = TITLES[key];
  if (known) return known;
  const words = key.replace(/[_-]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : key;
}
