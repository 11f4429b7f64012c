// Package importer creates the records of Open Referral HSDS 3.0 documents in the directory,
// through its gRPC API, and reports what became of each record. The format itself is
// gateway/hsds/document.
package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/socialrx/socialrx/gateway/hsds/document"
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
	Kind    document.Kind
	ID      string
	Name    string
	Outcome Outcome
	// Reason says why a record was rejected, naming the field at fault.
	Reason string
	// Note says what the import left out of a record it created, e.g. a parent the directory
	// does not hold.
	Note string
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

// Import parses an HSDS document (see document.Parse) and creates its records: taxonomy terms, then
// organizations, then locations, then services. A record the directory refuses is rejected
// with the directory's message, and so is every record that depends on it. A parent
// organization or broader taxonomy term that is neither in the document nor in the directory
// is left out, with a note, rather than losing the record. The error is set only when the
// import could not go on (the directory is unreachable, the context ended); the report then
// holds the records done so far.
func (im *Importer) Import(ctx context.Context, data []byte) (Report, error) {
	batch, rejections := document.Parse(data)
	return im.Apply(ctx, batch, rejections)
}

// Apply creates the records of a batch, reporting them after the rejections of document.Parse.
func (im *Importer) Apply(ctx context.Context, batch document.Batch, rejections []document.Rejection) (Report, error) {
	logger := im.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	run := &importRun{im: im, failed: map[document.RecordKey]string{}, exists: map[document.RecordKey]bool{}}
	var report Report
	addRejections := func(kind document.Kind) {
		for _, rj := range rejections {
			if rj.Kind == kind {
				report.Records = append(report.Records, Record{Kind: rj.Kind, ID: rj.ID, Name: rj.Name,
					Outcome: OutcomeRejected, Reason: rj.Reason})
			}
		}
	}
	addRejections(document.KindDocument)

	steps := []struct {
		kind    document.Kind
		records []proto.Message
	}{
		{document.KindTaxonomyTerm, messages(batch.TaxonomyTerms)},
		{document.KindOrganization, messages(batch.Organizations)},
		{document.KindLocation, messages(batch.Locations)},
		{document.KindService, messages(batch.Services)},
	}
	for _, st := range steps {
		addRejections(st.kind)
		for _, msg := range st.records {
			rec, err := run.record(ctx, st.kind, msg)
			if err != nil {
				return report, fmt.Errorf("import %s %s: %w", rec.Kind, rec.ID, err)
			}
			logger.DebugContext(ctx, "hsds import record", "kind", rec.Kind, "id", rec.ID,
				"outcome", rec.Outcome, "reason", rec.Reason, "note", rec.Note)
			report.Records = append(report.Records, rec)
		}
	}
	logger.InfoContext(ctx, "hsds import done",
		"created", report.Count(OutcomeCreated),
		"already_present", report.Count(OutcomeAlreadyPresent),
		"rejected", report.Count(OutcomeRejected))
	return report, nil
}

// importRun is the state of one Apply.
type importRun struct {
	im *Importer
	// failed holds the reason of every record rejected in this run.
	failed map[document.RecordKey]string
	// exists caches whether a record is in the directory.
	exists map[document.RecordKey]bool
}

// record imports one record. An error means the import cannot go on.
func (r *importRun) record(ctx context.Context, kind document.Kind, msg proto.Message) (Record, error) {
	id, name := recordIdentity(msg)
	rec := Record{Kind: kind, ID: id, Name: name}
	key := document.RecordKey{Kind: kind, ID: id}
	reject := func(reason string) (Record, error) {
		rec.Outcome, rec.Reason = OutcomeRejected, reason
		r.failed[key] = reason
		return rec, nil
	}
	if reason := document.DependencyFailure(msg, r.failed); reason != "" {
		return reject(reason)
	}
	// Asking first tells "already present" apart from "created": a repeated create with the
	// same request id would succeed either way.
	present, reason, err := r.present(ctx, key)
	switch {
	case err != nil:
		return rec, err
	case reason != "":
		return reject(reason)
	case present:
		rec.Outcome = OutcomeAlreadyPresent
		return rec, nil
	}
	if parent, field, ok := optionalParent(msg); ok {
		present, _, err := r.present(ctx, parent)
		if err != nil {
			return rec, err
		}
		if !present {
			msg = withoutParent(msg)
			rec.Note = fmt.Sprintf("%s %s is not in the directory; imported without it", field, parent.ID)
		}
	}
	err = r.im.create(ctx, kind, id, msg)
	switch status.Code(err) {
	case codes.OK:
		rec.Outcome = OutcomeCreated
	case codes.AlreadyExists:
		rec.Outcome, rec.Note = OutcomeAlreadyPresent, ""
	default:
		reason, err := classify(ctx, err)
		if err != nil {
			return rec, err
		}
		return reject(reason)
	}
	r.exists[key] = true
	return rec, nil
}

// present reports whether a record is in the directory. A reason is set when the directory
// refuses to say, e.g. because it finds the id invalid.
func (r *importRun) present(ctx context.Context, key document.RecordKey) (bool, string, error) {
	if v, ok := r.exists[key]; ok {
		return v, "", nil
	}
	err := r.im.get(ctx, key)
	switch status.Code(err) {
	case codes.OK:
		r.exists[key] = true
		return true, "", nil
	case codes.NotFound:
		r.exists[key] = false
		return false, "", nil
	}
	reason, err := classify(ctx, err)
	return false, reason, err
}

// classify turns a failed call into the reason a record is rejected, or into an error when the
// directory cannot be used at all, since every further record would fail the same way.
func classify(ctx context.Context, err error) (string, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return "", ctxErr
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.Unauthenticated,
		codes.PermissionDenied, codes.Unimplemented, codes.ResourceExhausted:
		return "", err
	}
	if st, ok := status.FromError(err); ok {
		return st.Message(), nil
	}
	return "", fmt.Errorf("unexpected error: %w", err)
}

// optionalParent returns the parent of a record that HSDS treats as optional context: an
// organization's parent organization or a term's broader term.
func optionalParent(msg proto.Message) (key document.RecordKey, field string, ok bool) {
	switch m := msg.(type) {
	case *directoryv1.Organization:
		if p := m.GetParentOrganization(); p != "" {
			return document.RecordKey{Kind: document.KindOrganization, ID: document.ResourceID(p)}, "parent_organization_id", true
		}
	case *directoryv1.TaxonomyTerm:
		if p := m.GetParent(); p != "" {
			return document.RecordKey{Kind: document.KindTaxonomyTerm, ID: document.ResourceID(p)}, "parent_id", true
		}
	}
	return document.RecordKey{}, "", false
}

func withoutParent(msg proto.Message) proto.Message {
	switch m := msg.(type) {
	case *directoryv1.Organization:
		m = proto.CloneOf(m)
		m.ParentOrganization = ""
		return m
	case *directoryv1.TaxonomyTerm:
		m = proto.CloneOf(m)
		m.Parent = ""
		return m
	}
	return msg
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
		return document.ResourceID(m.GetName()), m.GetDisplayName()
	case *directoryv1.Organization:
		return document.ResourceID(m.GetName()), m.GetDisplayName()
	case *directoryv1.Location:
		return document.ResourceID(m.GetName()), m.GetDisplayName()
	case *directoryv1.Service:
		return document.ResourceID(m.GetName()), m.GetDisplayName()
	}
	return "", ""
}

// RequestID is the idempotency key of the create request for an HSDS record:
// "hsds-import:<kind>:<id>", or with a hash of the id when that would pass the directory's 64
// characters.
func RequestID(kind document.Kind, id string) string {
	const maxLen = 64
	prefix := "hsds-import:" + string(kind) + ":"
	if len(prefix)+len(id) <= maxLen {
		return prefix + id
	}
	sum := sha256.Sum256([]byte(id))
	return prefix + hex.EncodeToString(sum[:])[:maxLen-len(prefix)]
}

// get reads a record by kind and id.
func (im *Importer) get(ctx context.Context, key document.RecordKey) error {
	var err error
	switch key.Kind {
	case document.KindTaxonomyTerm:
		_, err = im.Client.GetTaxonomyTerm(ctx, &directoryv1.GetTaxonomyTermRequest{Name: document.TaxonomyTermsPrefix + key.ID})
	case document.KindOrganization:
		_, err = im.Client.GetOrganization(ctx, &directoryv1.GetOrganizationRequest{Name: document.OrganizationsPrefix + key.ID})
	case document.KindLocation:
		_, err = im.Client.GetLocation(ctx, &directoryv1.GetLocationRequest{Name: document.LocationsPrefix + key.ID})
	case document.KindService:
		_, err = im.Client.GetService(ctx, &directoryv1.GetServiceRequest{Name: document.ServicesPrefix + key.ID})
	default:
		err = fmt.Errorf("unknown kind %q", key.Kind)
	}
	return err
}

// create creates a record under its HSDS id. The request names the record by its id field;
// the resource name is the directory's to set.
func (im *Importer) create(ctx context.Context, kind document.Kind, id string, msg proto.Message) error {
	requestID := RequestID(kind, id)
	var err error
	switch m := proto.Clone(msg).(type) {
	case *directoryv1.TaxonomyTerm:
		m.Name = ""
		_, err = im.Client.CreateTaxonomyTerm(ctx, &directoryv1.CreateTaxonomyTermRequest{
			TaxonomyTerm: m, TaxonomyTermId: id, RequestId: requestID})
	case *directoryv1.Organization:
		m.Name = ""
		_, err = im.Client.CreateOrganization(ctx, &directoryv1.CreateOrganizationRequest{
			Organization: m, OrganizationId: id, RequestId: requestID})
	case *directoryv1.Location:
		m.Name = ""
		_, err = im.Client.CreateLocation(ctx, &directoryv1.CreateLocationRequest{
			Location: m, LocationId: id, RequestId: requestID})
	case *directoryv1.Service:
		m.Name = ""
		_, err = im.Client.CreateService(ctx, &directoryv1.CreateServiceRequest{
			Service: m, ServiceId: id, RequestId: requestID})
	default:
		err = fmt.Errorf("unknown record type %T", msg)
	}
	return err
}
