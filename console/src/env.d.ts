// Stylesheets imported for their side effect; Vite puts them in the built CSS.
declare module '*.css';
