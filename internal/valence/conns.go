package valence

import (
	"context"
	"sync"
)

// connCache keeps one connection per pod manager and replaces it when the
// pod manager's access (URL, credentials, TLS) changes.
type connCache struct {
	connector Connector
	mu        sync.Mutex
	conns     map[string]cachedConn
}

type cachedConn struct {
	access Access
	conn   PodManagerConn
}

func newConnCache(c Connector) *connCache {
	return &connCache{connector: c, conns: map[string]cachedConn{}}
}

// get returns the cached connection for pm or makes one. Connecting happens
// outside the lock so that one slow pod manager does not stall the others.
func (c *connCache) get(ctx context.Context, pm PodManager) (PodManagerConn, error) {
	access := pm.Access()
	c.mu.Lock()
	cached, ok := c.conns[pm.UUID]
	c.mu.Unlock()
	if ok && cached.access == access {
		return cached.conn, nil
	}
	conn, err := c.connector.Connect(ctx, access)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if now, ok := c.conns[pm.UUID]; ok {
		if now.access == access {
			conn.Close() // another request connected first; keep theirs
			return now.conn, nil
		}
		now.conn.Close()
	}
	c.conns[pm.UUID] = cachedConn{access: access, conn: conn}
	return conn, nil
}

// drop closes and forgets the connection of a pod manager.
func (c *connCache) drop(podmID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cached, ok := c.conns[podmID]; ok {
		cached.conn.Close()
		delete(c.conns, podmID)
	}
}

func (c *connCache) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, cached := range c.conns {
		cached.conn.Close()
		delete(c.conns, id)
	}
}
