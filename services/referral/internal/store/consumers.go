package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// position is how far a consumer has read another service's change feed.
type position struct {
	ID    string `bson:"_id"`
	After string `bson:"after"`
}

// FeedPosition is the position consumer last saved, "" (the start of the feed) when it has
// saved none.
func (s *Store) FeedPosition(ctx context.Context, consumer string) (string, error) {
	var p position
	err := s.db.Collection(Consumers).FindOne(ctx, bson.D{{Key: "_id", Value: consumer}}).Decode(&p)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("load feed position of %s: %w", consumer, err)
	}
	return p.After, nil
}

// SaveFeedPosition records consumer's position. Two replicas may both save; the last one wins,
// so a consumer must recognise changes it has already applied.
func (s *Store) SaveFeedPosition(ctx context.Context, consumer, after string) error {
	_, err := s.db.Collection(Consumers).ReplaceOne(ctx, bson.D{{Key: "_id", Value: consumer}},
		position{ID: consumer, After: after}, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("save feed position of %s: %w", consumer, err)
	}
	return nil
}
