export function PoliciesPage() {
  return <section><h1>PoliciesPage</h1></section>;
}
