/** Set up Node for the command line (compile cache); see runtime.js. */
export declare function setUpRuntime(): void;
/** Keep V8's young generation small while a conversion builds its data (called when it starts); see runtime.js. */
export declare function keepYoungGenerationSmall(): void;
/** Let V8's young generation grow again (called before the first download); see runtime.js. */
export declare function growYoungGeneration(): void;
