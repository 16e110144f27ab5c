package web

import (
	"bytes"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// audienceCache keeps the questions page as a newcomer sees it (no questions of their own, no
// votes) for up to newcomerPageAge. When the link to a websession goes out, thousands open the
// page within a minute, and while the audience votes every voter is such a newcomer; they get
// the same bytes, rendered once a second instead of once each. The page names the change it
// shows, so its script catches up on anything newer the moment its stream opens; a page read
// without JavaScript is at most that second old.
type audienceCache struct {
	mu    sync.Mutex
	pages map[audienceKey]cachedPage
}

// maxCachedPages bounds the cache: a few pages per live event, and live events are few.
const maxCachedPages = 256

// newcomerPageAge is how long a newcomer's page is kept.
const newcomerPageAge = time.Second

type audienceKey struct {
	eventID    int64
	sort, lang string
}

type cachedPage struct {
	rendered time.Time
	updated  time.Time    // the event's own last change (title, status): shown at once
	html     *encodedBody // compressed once, as it is rendered once
}

func (a *audienceCache) get(k audienceKey, now, updated time.Time) *encodedBody {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.pages[k]
	if !ok || now.Sub(p.rendered) >= newcomerPageAge || now.Before(p.rendered) || !p.updated.Equal(updated) {
		return nil
	}
	return p.html
}

func (a *audienceCache) put(k audienceKey, p cachedPage) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pages == nil || len(a.pages) >= maxCachedPages {
		a.pages = map[audienceKey]cachedPage{}
	}
	a.pages[k] = p
}

// newcomerKey tells whether the request may get the newcomer's page: a person who just got
// their participant cookie, asking for the plain page.
func newcomerKey(c *gin.Context, v *questionsView, status int) (audienceKey, bool) {
	if status != http.StatusOK || !c.GetBool(newParticipantKey) || v.Asked != "" || v.Errors != nil || v.Text != "" || v.Author != "" ||
		v.PollAnswered != 0 || v.PollProblem != 0 {
		return audienceKey{}, false
	}
	return audienceKey{eventID: v.Event.ID, sort: v.Sort, lang: pageLang(c)}, true
}

// renderBytes renders a page into memory, for pages that are kept.
func (s *Server) renderBytes(c *gin.Context, name, title string, page any) ([]byte, error) {
	var buf bytes.Buffer
	err := s.pages.execute(&buf, name, s.pageView(c, title, page))
	return buf.Bytes(), err
}
