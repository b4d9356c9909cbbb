// Ends the run with the plain totals line CI reads: "N passed, N failed".
const fs = require('node:fs');
const path = require('node:path');

class TotalsReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed`;
    fs.writeFileSync(path.join(__dirname, '..', '..', '.jest-totals'), line + '\n');
    process.stdout.write(`\n${line}\n`);
  }
}

module.exports = TotalsReporter;
