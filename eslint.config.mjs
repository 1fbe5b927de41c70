// Flat config: typescript-eslint's recommended rules over every TypeScript file we own.
import tseslint from "typescript-eslint";

export default tseslint.config(
    {
        ignores: ["node_modules/**", "bin/**", "out/**", "**/node_modules/**", "app/**/.venv/**", "test/fixtures/consumer/**"],
    },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        rules: {
            // `_`-prefixed names mark intentionally unused parameters.
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
);
