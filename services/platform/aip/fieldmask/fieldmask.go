// Package fieldmask applies AIP-134 update masks: it copies the named fields of a request's
// resource onto the stored resource and rejects paths that do not exist or may not be written.
package fieldmask

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// Apply copies the fields named by mask from src onto dst (both of one message type). An empty
// mask or "*" copies every field except those listed in outputOnly, which are never written;
// naming one of them, or a field that does not exist, is INVALID_ARGUMENT on "update_mask".
func Apply(dst, src proto.Message, mask *fieldmaskpb.FieldMask, outputOnly ...string) error {
	paths := mask.GetPaths()
	skip := make(map[string]bool, len(outputOnly))
	for _, f := range outputOnly {
		skip[f] = true
	}
	d, s := dst.ProtoReflect(), src.ProtoReflect()
	if len(paths) == 0 || (len(paths) == 1 && paths[0] == "*") {
		fields := d.Descriptor().Fields()
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			if !skip[string(fd.Name())] {
				copyField(d, s, fd)
			}
		}
		return nil
	}
	for _, path := range paths {
		if err := applyPath(d, s, path, skip); err != nil {
			return err
		}
	}
	return nil
}

func applyPath(d, s protoreflect.Message, path string, skip map[string]bool) error {
	parts := strings.Split(path, ".")
	if skip[parts[0]] {
		return apierror.Field("update_mask", fmt.Sprintf("%q is output only and cannot be updated", path))
	}
	for i, part := range parts {
		fd := d.Descriptor().Fields().ByName(protoreflect.Name(part))
		if fd == nil {
			return apierror.Field("update_mask", fmt.Sprintf("%q is not a field of %s", path, d.Descriptor().Name()))
		}
		if i == len(parts)-1 {
			copyField(d, s, fd)
			return nil
		}
		if fd.Kind() != protoreflect.MessageKind || fd.IsList() || fd.IsMap() {
			return apierror.Field("update_mask", fmt.Sprintf("%q: %s has no sub-fields", path, part))
		}
		// An unset source branch reads as an empty message, so its leaf is cleared in dst.
		d = d.Mutable(fd).Message()
		s = s.Get(fd).Message()
	}
	return nil
}

func copyField(d, s protoreflect.Message, fd protoreflect.FieldDescriptor) {
	if s.Has(fd) {
		d.Set(fd, s.Get(fd))
	} else {
		d.Clear(fd)
	}
}
