#pragma once

// The request budgets apply sizes its concurrency from.
//
// NOTE: these mirror Azure's published limits until azure/pacer.h provides the budgets
// the client paces by; then they should come from there.

namespace kvr::executor::budgets {

// Resource Manager writes per principal and subscription: a bucket of 200 refilled at 10 a
// second ("Understand how Azure Resource Manager throttles requests").
inline constexpr int kResourceManagerWritesPerSecond = 10;
// Key Vault secret and certificate creations and key imports: 300 per vault per 10 seconds.
inline constexpr int kKeyVaultWritesPerSecond = 30;

}  // namespace kvr::executor::budgets
