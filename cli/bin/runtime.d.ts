/** Set up Node for the command line (V8 young generation, compile cache); see runtime.js. */
export declare function setUpRuntime(): void;
