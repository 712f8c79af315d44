/** Set up Node for the command line (V8 young generation, compile cache); see runtime.js. */
export declare function setUpRuntime(): void;
/** Let V8's young generation grow again (called before the first download); see runtime.js. */
export function growYoungGeneration(): void;
