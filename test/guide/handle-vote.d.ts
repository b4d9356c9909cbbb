export function handleVote(username: string, message: string): Promise<void>;
