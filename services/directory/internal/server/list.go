package server

import (
	"context"
	"strings"

	"google.golang.org/protobuf/proto"

	directoryv1 "github.com/socialrx/socialrx/proto/socialrx/directory/v1"
	"github.com/socialrx/socialrx/services/directory/internal/readmodel"
	"github.com/socialrx/socialrx/services/platform/aip/filtering"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/language"
	"github.com/socialrx/socialrx/services/platform/protoconv"
)

// listQuery is a parsed List request.
type listQuery struct {
	req    proto.Message
	size   int
	skip   int
	cursor pagination.Cursor
	filter *filtering.Filter
}

func (q listQuery) next(lastID string) string {
	return pagination.Encode(q.req, pagination.Cursor{After: lastID})
}

// listQuery parses the paging and filter fields of a List request and brings the index up to
// date, so a list sees every write made before it, on any replica.
func (s *Server) listQuery(ctx context.Context, req proto.Message, pageSize int32, token, filter string, skip int32, schema filtering.Schema) (listQuery, error) {
	q := listQuery{req: req, skip: int(skip)}
	var err error
	if q.size, err = pagination.PageSize(pageSize); err != nil {
		return q, err
	}
	if q.cursor, err = pagination.Decode(token, req); err != nil {
		return q, err
	}
	if q.filter, err = filtering.Parse(filter, schema); err != nil {
		return q, err
	}
	return q, s.sync(ctx)
}

func (s *Server) sync(ctx context.Context) error {
	if err := s.index.Fresh(ctx); err != nil {
		return storeError(ctx, err, "index")
	}
	return nil
}

// SearchServices finds services by text, classification, language, organisation, status and
// distance. Its ordering is computed, so its page tokens carry an offset.
func (s *Server) SearchServices(ctx context.Context, req *directoryv1.SearchServicesRequest) (*directoryv1.SearchServicesResponse, error) {
	if _, err := pagination.Decode(req.GetPageToken(), req); err != nil {
		return nil, err // before the index sync, so a bad token costs nothing
	}
	q := readmodel.SearchQuery{
		Words:         strings.Fields(req.GetQuery()),
		TaxonomyTerms: req.GetTaxonomyTerms(),
		Language:      req.GetLanguage(),
		Organization:  req.GetOrganization(),
	}
	if req.GetFilter() != "" {
		var err error
		if q.Filter, err = filtering.Parse(req.GetFilter(), readmodel.ServiceFilter); err != nil {
			return nil, err
		}
	}
	for _, st := range req.GetStatuses() {
		q.Statuses = append(q.Statuses, protoconv.EnumName(st))
	}
	if n := req.GetNear(); n != nil {
		q.Near = &readmodel.Circle{Latitude: n.GetLatitude(), Longitude: n.GetLongitude(), RadiusMeters: n.GetRadiusMeters()}
	}
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	size, err := pagination.PageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	cursor, err := pagination.Decode(req.GetPageToken(), req)
	if err != nil {
		return nil, err
	}
	start := cursor.Offset + max(int(req.GetSkip()), 0)
	page, total, err := s.index.Search(q, start, size)
	if err != nil {
		return nil, storeError(ctx, err, "search index")
	}
	resp := &directoryv1.SearchServicesResponse{TotalSize: int32(total)}
	if end := start + len(page); end < total {
		resp.NextPageToken = pagination.Encode(req, pagination.Cursor{Offset: end})
	}
	want := language.Wanted(ctx, req.GetLanguageCode())
	for _, m := range page {
		r := &directoryv1.ServiceMatch{Service: s.services.localize(serviceToProto(m.Service), want)}
		if q.Near != nil {
			d := m.Distance
			r.DistanceMeters = &d
			r.NearestLocation = m.NearestLocation
		}
		resp.Results = append(resp.Results, r)
	}
	return resp, nil
}
