package hsds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
)

// Outcome is what an import did with a record.
type Outcome string

// Outcomes of an import.
const (
	OutcomeCreated        Outcome = "created"
	OutcomeAlreadyPresent Outcome = "already present"
	OutcomeRejected       Outcome = "rejected"
)

// Record is one line of a Report.
type Record struct {
	Kind    Kind
	ID      string
	Name    string
	Outcome Outcome
	// Reason says why a record was rejected, naming the field at fault.
	Reason string
}

// Report lists every record of an import and its outcome.
type Report struct {
	Records []Record
}

// Count is the number of records with outcome o.
func (r Report) Count(o Outcome) int {
	n := 0
	for _, rec := range r.Records {
		if rec.Outcome == o {
			n++
		}
	}
	return n
}

// Importer creates the records of HSDS documents in the directory. Importing the same document
// again creates nothing new: records are created under their HSDS ids with a request id derived
// from them, and a record that exists already is left as it is (an import never overwrites).
type Importer struct {
	Client directoryv1.DirectoryServiceClient
	// Logger is optional.
	Logger *slog.Logger
}

// Import parses an HSDS document (see Parse) and creates its records: taxonomy terms, then
// organizations, then locations, then services. A record the directory refuses is rejected
// with the directory's message, and so is every record that depends on it. The error is set
// only when the import could not go on (the directory is unreachable, the context ended); the
// report then holds the records done so far.
func (im *Importer) Import(ctx context.Context, data []byte) (Report, error) {
	batch, rejections := Parse(data)
	return im.Apply(ctx, batch, rejections)
}

// Apply creates the records of a batch, reporting them after the rejections of Parse.
func (im *Importer) Apply(ctx context.Context, batch Batch, rejections []Rejection) (Report, error) {
	logger := im.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var report Report
	failed := map[recordKey]string{}
	addRejections := func(kind Kind) {
		for _, rj := range rejections {
			if rj.Kind == kind {
				report.Records = append(report.Records, Record{Kind: rj.Kind, ID: rj.ID, Name: rj.Name,
					Outcome: OutcomeRejected, Reason: rj.Reason})
			}
		}
	}
	addRejections(KindDocument)

	type step struct {
		kind    Kind
		records []proto.Message
	}
	steps := []step{
		{KindTaxonomyTerm, messages(batch.TaxonomyTerms)},
		{KindOrganization, messages(batch.Organizations)},
		{KindLocation, messages(batch.Locations)},
		{KindService, messages(batch.Services)},
	}
	for _, st := range steps {
		addRejections(st.kind)
		for _, msg := range st.records {
			id, name := recordIdentity(msg)
			rec := Record{Kind: st.kind, ID: id, Name: name}
			if reason := dependencyFailure(msg, failed); reason != "" {
				rec.Outcome, rec.Reason = OutcomeRejected, reason
			} else {
				outcome, reason, err := im.ensure(ctx, st.kind, id, msg)
				if err != nil {
					return report, fmt.Errorf("import %s %s: %w", st.kind, id, err)
				}
				rec.Outcome, rec.Reason = outcome, reason
			}
			if rec.Outcome == OutcomeRejected {
				failed[recordKey{st.kind, id}] = rec.Reason
			}
			logger.DebugContext(ctx, "hsds import record", "kind", st.kind, "id", id, "outcome", rec.Outcome, "reason", rec.Reason)
			report.Records = append(report.Records, rec)
		}
	}
	logger.InfoContext(ctx, "hsds import done",
		"created", report.Count(OutcomeCreated),
		"already_present", report.Count(OutcomeAlreadyPresent),
		"rejected", report.Count(OutcomeRejected))
	return report, nil
}

func messages[M proto.Message](list []M) []proto.Message {
	out := make([]proto.Message, 0, len(list))
	for _, m := range list {
		out = append(out, m)
	}
	return out
}

func recordIdentity(msg proto.Message) (id, name string) {
	switch m := msg.(type) {
	case *directoryv1.TaxonomyTerm:
		return lastSegment(m.GetName()), m.GetDisplayName()
	case *directoryv1.Organization:
		return lastSegment(m.GetName()), m.GetDisplayName()
	case *directoryv1.Location:
		return lastSegment(m.GetName()), m.GetDisplayName()
	case *directoryv1.Service:
		return lastSegment(m.GetName()), m.GetDisplayName()
	}
	return "", ""
}

// RequestID is the idempotency key of the create request for an HSDS record:
// "hsds-import:<kind>:<id>", or with a hash of the id when that would pass the directory's 64
// characters.
func RequestID(kind Kind, id string) string {
	const maxLen = 64
	prefix := "hsds-import:" + string(kind) + ":"
	if len(prefix)+len(id) <= maxLen {
		return prefix + id
	}
	sum := sha256.Sum256([]byte(id))
	return prefix + hex.EncodeToString(sum[:])[:maxLen-len(prefix)]
}

// ensure creates a record unless it exists. Asking first tells "already present" apart from
// "created": a repeated create with the same request id would succeed either way.
func (im *Importer) ensure(ctx context.Context, kind Kind, id string, msg proto.Message) (Outcome, string, error) {
	get, create := im.calls(kind, id, msg)
	err := get(ctx)
	switch status.Code(err) {
	case codes.OK:
		return OutcomeAlreadyPresent, "", nil
	case codes.NotFound:
		err = create(ctx)
	}
	switch status.Code(err) {
	case codes.OK:
		return OutcomeCreated, "", nil
	case codes.AlreadyExists:
		return OutcomeAlreadyPresent, "", nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return "", "", ctxErr
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.Unauthenticated,
		codes.PermissionDenied, codes.Unimplemented, codes.ResourceExhausted:
		// The directory cannot be used at all; every further record would fail the same way.
		return "", "", err
	}
	if st, ok := status.FromError(err); ok {
		return OutcomeRejected, st.Message(), nil
	}
	return "", "", fmt.Errorf("unexpected error: %w", err)
}

// calls returns the Get and Create calls of a record. The create request names the record by
// its id field; the resource name is the directory's to set.
func (im *Importer) calls(kind Kind, id string, msg proto.Message) (get, create func(context.Context) error) {
	c := im.Client
	requestID := RequestID(kind, id)
	switch m := msg.(type) {
	case *directoryv1.TaxonomyTerm:
		body := proto.CloneOf(m)
		body.Name = ""
		return func(ctx context.Context) error {
				_, err := c.GetTaxonomyTerm(ctx, &directoryv1.GetTaxonomyTermRequest{Name: m.GetName()})
				return err
			}, func(ctx context.Context) error {
				_, err := c.CreateTaxonomyTerm(ctx, &directoryv1.CreateTaxonomyTermRequest{
					TaxonomyTerm: body, TaxonomyTermId: id, RequestId: requestID})
				return err
			}
	case *directoryv1.Organization:
		body := proto.CloneOf(m)
		body.Name = ""
		return func(ctx context.Context) error {
				_, err := c.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: m.GetName()})
				return err
			}, func(ctx context.Context) error {
				_, err := c.CreateOrganization(ctx, &directoryv1.CreateOrganizationRequest{
					Organization: body, OrganizationId: id, RequestId: requestID})
				return err
			}
	case *directoryv1.Location:
		body := proto.CloneOf(m)
		body.Name = ""
		return func(ctx context.Context) error {
				_, err := c.GetLocation(ctx, &directoryv1.GetLocationRequest{Name: m.GetName()})
				return err
			}, func(ctx context.Context) error {
				_, err := c.CreateLocation(ctx, &directoryv1.CreateLocationRequest{
					Location: body, LocationId: id, RequestId: requestID})
				return err
			}
	case *directoryv1.Service:
		body := proto.CloneOf(m)
		body.Name = ""
		return func(ctx context.Context) error {
				_, err := c.GetService(ctx, &directoryv1.GetServiceRequest{Name: m.GetName()})
				return err
			}, func(ctx context.Context) error {
				_, err := c.CreateService(ctx, &directoryv1.CreateServiceRequest{
					Service: body, ServiceId: id, RequestId: requestID})
				return err
			}
	}
	unknown := func(context.Context) error { return fmt.Errorf("unknown record type %T", msg) }
	return unknown, unknown
}
