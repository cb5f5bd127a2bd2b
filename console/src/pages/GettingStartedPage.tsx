// The first steps: the base URL and a verify call ready to copy.
import { CopyButton } from '../components/CopyButton';
import { BASE, followLink } from '../router';
import { useSession } from '../session';

export function GettingStartedPage() {
  const { session } = useSession();
  const baseUrl = window.location.origin;
  const curl = [
    `curl -s ${baseUrl}/v1/verify \\`,
    `  -H "Authorization: Bearer $KEYSMITH_ROOT_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"key": "'"$API_KEY"'", "ip": "203.0.113.7", "endpoint": "GET /orders"}'`,
  ].join('\n');
  return (
    <section aria-labelledby="start-title">
      <h1 id="start-title">Getting started</h1>
      <div class="card">
        <h2>Base URL</h2>
        <div class="secret-row">
          <code class="block" id="base-url">{baseUrl}</code>
          <CopyButton text={baseUrl} label="Copy base URL" />
        </div>
        <h2>Verify a key</h2>
        <ol class="steps">
          <li><a href={`${BASE}/keys`} onClick={followLink}>Create an API key</a> and give its secret to your client (<code>API_KEY</code>).</li>
          <li>{session.scopes.includes('workspaces:admin')
            ? <>Create a <a href={`${BASE}/workspace`} onClick={followLink}>root key</a> with the <code>keys:verify</code> scope for the service that checks keys (<code>KEYSMITH_ROOT_KEY</code>).</>
            : <>Ask a workspace admin for a root key with the <code>keys:verify</code> scope for the service that checks keys (<code>KEYSMITH_ROOT_KEY</code>).</>}</li>
          <li>On each request your service receives, ask Keysmith whether the key is good:</li>
        </ol>
        <pre class="code" tabIndex={0} aria-label="curl example"><code>{curl}</code></pre>
        <CopyButton text={curl} label="Copy curl example" />
        <p>The answer is always <code>200</code> for a well-formed call: <code>{'{"valid": true, "code": "VALID", …}'}</code>, or <code>valid: false</code> with a code such as <code>RATE_LIMITED</code>. Root keys are never shown in the console after they are created.</p>
      </div>
    </section>
  );
}
