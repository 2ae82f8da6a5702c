// ES2024's well-formed string checks (Node.js 20+), which the ES2023 lib of tsconfig.json does not declare.
interface String {
  /** True when the string has no lone surrogates. */
  isWellFormed(): boolean;
}
