// Runs graphql-http's server audits (the GraphQL over HTTP spec) against a live endpoint.
// Usage: node tests/http_audit/audit.mjs http://127.0.0.1:8000/graphql
// Prints one line per audit ("ok|warn|error <id> <name>", with the reason for a failure) and a summary
// "<ok> of <total> audits ok"; exits 1 unless every audit is ok (warnings count as failures), 2 on misuse.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql endpoint URL>');
  process.exit(2);
}

const audits = serverAudits({ url, fetchFn: fetch });
let ok = 0;
for (const audit of audits) {
  const result = await audit.fn();
  if (result.status === 'ok') {
    ok += 1;
    console.log(`ok ${result.id} ${result.name}`);
  } else {
    console.log(`${result.status} ${result.id} ${result.name}: ${result.reason}`);
    if (result.response) {
      const body = await result.response.text().catch(() => '<unreadable body>');
      console.log(`  -> ${result.response.status} ${result.response.headers.get('content-type')} ${body.slice(0, 300)}`);
    }
  }
}
console.log(`${ok} of ${audits.length} audits ok`);
process.exit(ok === audits.length ? 0 : 1);
