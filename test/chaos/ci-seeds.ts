/** The seeds every CI run simulates (with CI_CALLS calls each), and the test's budget. */
export const CI_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8] as const;
export const CI_CALLS = 300;
