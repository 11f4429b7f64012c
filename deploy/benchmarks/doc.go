// Package benchmarks measures the services through gRPC and through the real REST gateway side
// by side, so that a run reports the REST/gRPC ratio: directory search and get, event
// registrations and listing, whole referral loops, also as the referral store grows, and the FHIR
// facade against the same gRPC calls (BenchmarkFHIRAgainstGRPC). It
// has no code of its own; the services' own benchmarks, which need no gateway, stay with them.
//
//	make bench-scale   (or: go test -run='^$' -bench=. -benchtime=1x ./deploy/benchmarks/)
//
// SCALE_REFERRALS (default 0,2000,5000) and SCALE_LOOP_SECONDS (default 10) size
// BenchmarkLoopsAsReferralsGrow. BenchmarkFlatCost, first in `make bench-scale`, prints one table
// (restart to first search, event start-up, loops per second and disk per referral, commands
// per update, REST/gRPC) at SCALE_SERVICES (60000), SCALE_REGISTRATIONS (50000) and
// SCALE_REFERRALS (its largest count, 20000); smaller values give a quicker run.
package benchmarks
