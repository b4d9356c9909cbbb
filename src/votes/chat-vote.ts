/** `thisgame++` / `thisgame--` anywhere in a message, any case; `++` wins when both appear. */
export function chatVote(message: string): 1 | -1 | undefined {
  const text = message.toLowerCase();
  if (text.includes('thisgame++')) return 1;
  if (text.includes('thisgame--')) return -1;
  return undefined;
}
