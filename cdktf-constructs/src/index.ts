/** Placeholder: this package has no public API yet. */
export {};
