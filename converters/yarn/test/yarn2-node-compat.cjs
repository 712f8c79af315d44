// Yarn 2.4 calls util.isDate (removed in Node 23) when it stamps zip entries with a Date (file: folders,
// patch: packages). Preloaded (`node --require`) when the tests run Yarn 2.4 under a newer Node.
const util = require('node:util');
if (typeof util.isDate !== 'function') util.isDate = (value) => value instanceof Date;
