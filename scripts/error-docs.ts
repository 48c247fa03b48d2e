/**
 * Writes docs/errors.md from the error catalogue (src/errors.ts): `npm run docs:errors`.
 * A unit test fails when the two differ.
 */
import { writeFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/errors.js';

const rows = Object.entries(ERROR_CODES).map(([code, { status, summary }]) => `| \`${code}\` | ${status} | ${summary} |`);
const text = `# Error codes

Every error Waymark raises on purpose carries one of these codes: in the \`code\` member of an
RFC 9457 problem (\`application/problem+json\`, with \`type\` \`urn:waymark:problem:<code>\`), as
\`error.code\` of a thrown \`WaymarkError\`, and in CLI errors (\`error [code]: ...\`). A tool may
throw a \`NonRetryableError\` with a code of its own; those are the tool's, not listed here.

Generated from \`src/errors.ts\` by \`npm run docs:errors\`.

| code | HTTP status | meaning |
| --- | --- | --- |
${rows.join('\n')}
`;
writeFileSync(new URL('../docs/errors.md', import.meta.url), text);
console.log(`docs/errors.md: ${rows.length} codes`);
