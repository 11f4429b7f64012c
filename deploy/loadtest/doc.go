// Package loadtest drives a mixed, realistic workload against real directory, event and
// referral services and the REST gateway on the embedded database: public listing and
// directory searches, registrations, and whole referral loops, from N concurrent clients for a
// bounded time, over gRPC and over REST, with one and with two replicas of each service. It
// prints throughput and p50/p95/p99 latency per operation and the REST/gRPC and two/one
// replica ratios.
//
//	make bench   (or: go test -run='^$' -bench=Load -benchtime=1x ./deploy/loadtest/)
//
// LOAD_CLIENTS (default 16) and LOAD_SECONDS (default 10) size each run.
package loadtest
