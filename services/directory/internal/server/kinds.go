package server

import (
	"cmp"
	"context"
	"fmt"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/socialrx/socialrx/services/directory/internal/domain"
	"github.com/socialrx/socialrx/services/platform/aip/fieldmask"
	"github.com/socialrx/socialrx/services/platform/aip/names"
	"github.com/socialrx/socialrx/services/platform/aip/requestid"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/policy"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/validation"
)

// requestIDNamespace derives resource ids from caller-scoped AIP-155 request ids (package
// requestid), so that concurrent repeats of one create race for the same _id and the database
// lets exactly one of them in.
var requestIDNamespace = uuid.MustParse("5f0c6d1e-3c1a-4b8e-9a57-2f1c7a9d4e21")

// outputOnly are the resource fields a client never writes.
var outputOnly = []string{"name", "create_time", "update_time", "etag"}

// resource is what the standard methods need of one resource kind: its store documents convert to
// and from the API message M.
type resource[T any, P docstore.Doc[T], M proto.Message] struct {
	coll      *docstore.Collection[T, P]
	toProto   func(P) M
	fromProto func(P, M) // copies the writable fields of M into the document
	prefix    string     // "services/"
	field     string     // request field holding the resource, "service"
	validator *validation.Validator
	// references checks that the resources msg refers to exist.
	references func(ctx context.Context, msg M) error
	// lookup finds a document in the read model, which sync has brought up to date.
	lookup func(id string) (P, bool)
	sync   func(ctx context.Context) error
	// texts, for kinds whose words come in several languages, reaches those fields of a message.
	texts func(M) texts
}

// localize brings msg's words into the language closest to want, for kinds that have several.
func (r *resource[T, P, M]) localize(msg M, want []string) M {
	if r.texts != nil {
		r.texts(msg).localize(want)
	}
	return msg
}

// id returns the id in a resource name of this kind, or an INVALID_ARGUMENT error naming field.
func (r *resource[T, P, M]) id(name, field string) (string, error) {
	var id string
	return id, names.ParseField(field, name, r.prefix+"{id}", &id)
}

// get reads a resource, its words in the language closest to want.
func (r *resource[T, P, M]) get(ctx context.Context, name string, want []string) (M, error) {
	var zero M
	id, err := r.id(name, "name")
	if err != nil {
		return zero, err
	}
	// The read model answers, without a database round trip (see readmodel.Index.Fresh).
	if err := r.sync(ctx); err != nil {
		return zero, err
	}
	doc, ok := r.lookup(id)
	if !ok {
		return zero, apierror.NotFound(name)
	}
	return r.localize(r.toProto(doc), want), nil
}

func (r *resource[T, P, M]) create(ctx context.Context, msg M, id, requestID string) (M, error) {
	var zero M
	if err := policy.CheckMethod(auth.FromContext(ctx), policy.DirectoryWrite); err != nil {
		return zero, err
	}
	if r.texts != nil {
		if err := r.texts(msg).check(r.field); err != nil {
			return zero, err
		}
	}
	if err := r.references(ctx, msg); err != nil {
		return zero, err
	}
	key := requestid.Key(auth.FromContext(ctx), requestID)
	if id == "" {
		id = requestid.ID(requestIDNamespace, r.prefix, key)
	}
	doc := P(new(T))
	r.fromProto(doc, msg)
	m := doc.DocMeta()
	m.ID, m.RequestID = id, key
	created, err := r.coll.Create(ctx, auth.FromContext(ctx).Subject, doc)
	if err != nil {
		return zero, storeError(ctx, err, r.prefix+id)
	}
	return r.toProto(created), nil
}

// update applies msg through mask to the stored resource, validates the result as a whole and
// stores it; msg's etag, when set, must match.
func (r *resource[T, P, M]) update(ctx context.Context, msg M, mask *fieldmaskpb.FieldMask, nameOf func(M) string, etagOf func(M) string) (M, error) {
	var zero M
	if err := policy.CheckMethod(auth.FromContext(ctx), policy.DirectoryWrite); err != nil {
		return zero, err
	}
	if !msg.ProtoReflect().IsValid() {
		return zero, apierror.Field(r.field, "is required")
	}
	name := nameOf(msg)
	id, err := r.id(name, r.field+".name")
	if err != nil {
		return zero, err
	}
	updated, err := r.coll.Update(ctx, auth.FromContext(ctx).Subject, id, etagOf(msg), func(doc P) error {
		merged := r.toProto(doc)
		var own string
		if r.texts != nil {
			// The fields given replace the text in their language, whichever the stored one is;
			// the stored one stays the resource's own.
			own = cmp.Or(*r.texts(merged).lang, "en")
			r.texts(merged).localize([]string{cmp.Or(*r.texts(msg).lang, "en")})
		}
		if err := fieldmask.Apply(merged, msg, mask, outputOnly...); err != nil {
			return err
		}
		if r.texts != nil {
			r.texts(merged).localize([]string{own})
		}
		if err := r.validator.Check(merged, r.field); err != nil {
			return err
		}
		if r.texts != nil {
			if err := r.texts(merged).check(r.field); err != nil {
				return err
			}
		}
		if err := r.references(ctx, merged); err != nil {
			return err
		}
		r.fromProto(doc, merged)
		return nil
	})
	if err != nil {
		return zero, storeError(ctx, err, name)
	}
	return r.toProto(updated), nil
}

func (r *resource[T, P, M]) delete(ctx context.Context, name, etag string, inUse func(name string) int) error {
	if err := policy.CheckMethod(auth.FromContext(ctx), policy.DirectoryWrite); err != nil {
		return err
	}
	id, err := r.id(name, "name")
	if err != nil {
		return err
	}
	if inUse != nil {
		if err := domain.CheckDeletable(name, inUse(name)); err != nil {
			return apierror.FailedPrecondition(apierror.ReasonStillReferenced, err.Error(), map[string]string{"resource": name})
		}
	}
	if err := r.coll.Delete(ctx, auth.FromContext(ctx).Subject, id, etag); err != nil {
		return storeError(ctx, err, name)
	}
	return nil
}

// exists checks that name (of this kind) exists; field names the request field for the error.
// It asks the read model, as Get does: a reference is checked against what reads see, with no
// database read per reference (the check was never atomic with the write that follows it).
func (r *resource[T, P, M]) exists(ctx context.Context, name, field string) error {
	id, err := r.id(name, field)
	if err != nil {
		return err
	}
	if err := r.sync(ctx); err != nil {
		return err
	}
	if _, ok := r.lookup(id); !ok {
		return apierror.InvalidArgument(apierror.ReasonUnknownReference,
			apierror.FieldViolation{Field: field, Description: fmt.Sprintf("%s does not exist", name)})
	}
	return nil
}
