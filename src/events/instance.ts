/** This process's id on the events channel, so it can tell its own announcements apart. */
export const INSTANCE_ID = Symbol('INSTANCE_ID');
