import { randomInt } from 'node:crypto';

// Wharf's own word lists for generated names (Docker's style: adjective_noun).
const ADJECTIVES = [
  'brave', 'calm', 'clever', 'eager', 'fancy', 'gentle', 'happy', 'jolly', 'keen', 'lively', 'merry', 'nimble',
  'proud', 'quiet', 'rapid', 'sharp', 'steady', 'swift', 'tidy', 'vivid', 'warm', 'witty', 'bold', 'bright',
  'cosmic', 'daring', 'festive', 'golden', 'hardy', 'humble', 'loyal', 'mellow', 'noble', 'patient', 'plucky', 'serene',
];
const NOUNS = [
  'anchor', 'barge', 'beacon', 'buoy', 'cargo', 'cutter', 'dinghy', 'dock', 'ferry', 'galley', 'harbor', 'hull',
  'keel', 'ketch', 'lantern', 'mast', 'mooring', 'oar', 'pier', 'pilot', 'quay', 'rudder', 'sail', 'schooner',
  'skiff', 'sloop', 'spar', 'tide', 'tugboat', 'wharf', 'yacht', 'compass', 'current', 'lagoon', 'marina', 'reef',
];

/** A random `adjective_noun` name not yet taken; a numeric suffix after too many clashes. */
export function generateName(taken: (name: string) => boolean): string {
  for (let i = 0; i < 20; i++) {
    const n = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${NOUNS[randomInt(NOUNS.length)]}`;
    if (!taken(n)) return n;
  }
  for (;;) {
    const n = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${NOUNS[randomInt(NOUNS.length)]}${randomInt(1000)}`;
    if (!taken(n)) return n;
  }
}
