// Package benchmarks measures the services through gRPC and through the real REST gateway side
// by side, so that a run reports the REST/gRPC ratio: directory search and get, event
// registrations and listing, whole referral loops, also as the referral store grows, and the FHIR
// facade against the same gRPC calls (BenchmarkFHIRAgainstGRPC). It
// has no code of its own; the services' own benchmarks, which need no gateway, stay with them.
//
//	make bench-scale   (or: go test -run='^$' -bench=. -benchtime=1x ./deploy/benchmarks/)
//
// SCALE_REFERRALS (default 0,2000,5000) and SCALE_LOOP_SECONDS (default 10) size
// BenchmarkLoopsAsReferralsGrow.
package benchmarks
