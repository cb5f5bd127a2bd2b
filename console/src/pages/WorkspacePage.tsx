export function WorkspacePage() {
  return <section><h1>WorkspacePage</h1></section>;
}
