import { BASE, followLink } from '../router';

export function NotFoundPage() {
  return (
    <section>
      <h1>Page not found</h1>
      <p><a href={`${BASE}/keys`} onClick={followLink}>Go to the keys</a></p>
    </section>
  );
}
