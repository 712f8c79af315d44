// The action as a library (for tests and for other frontends): inputs, the run, git and GitHub helpers.
export { parseInputs, listInput, identityInput, checkBranch, BOT, DEFAULT_MESSAGE, type ActionInputs, type Identity, type Mode } from './inputs.ts';
export { runAction, TOKEN_NOTE, type ActionEnv, type ActionLog, type ActionOutputs, type ActionResult, type Operation } from './run.ts';
export { Git, GitError } from './git.ts';
export { GitHub, type PullInfo } from './github.ts';
