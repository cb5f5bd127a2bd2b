export function KeyDetailPage(_props: { id: string }) {
  return <section><h1>KeyDetailPage</h1></section>;
}
