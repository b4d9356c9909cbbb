export function verifyWebhookSignature(
  signature: string | undefined,
  payload: unknown,
  secret: string,
): boolean;
