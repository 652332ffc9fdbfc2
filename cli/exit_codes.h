#pragma once

// Exit codes of the kvrelocate command line. Scripts depend on them, so the numbers
// never change; the --help footer lists the same table.
//
//   0  success: the output was written and the plan has no blockers
//   1  the plan was written but has blockers (`plan`); steps failed (`apply`); the
//      target differs from the source (`verify`)
//   2  usage error: an invalid option or argument, or an output file that cannot be written
//   3  invalid input: an input file cannot be read or parsed, or holds errors that
//      make it unusable (codes listed at isInputErrorCode); the output is still written
//      when a plan could be made
//   4  internal error: an unexpected exception, which is a bug in kvrelocate
//   5  `apply` stopped for an operator action (an external relocation, a CA-issued
//      certificate); run it again with --resume once the action is done
//   6  a live command could not reach Azure or sign in, or Azure rejected a request
//      (connection, TLS, credential or service error)

namespace kvr::cli {

enum ExitCode : int {
  kExitSuccess = 0,
  kExitBlocked = 1,
  kExitUsage = 2,
  kExitInvalidInput = 3,
  kExitInternal = 4,
  kExitOperatorAction = 5,
  kExitService = 6,
};

}  // namespace kvr::cli
