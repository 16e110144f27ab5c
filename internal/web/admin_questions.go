package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// The registration questions editor: add, change, move and remove the questions the registration
// form asks, without JavaScript. Each form carries the event's version, so that two organizers
// editing at once do not overwrite each other unseen.
//
// Answers are stored with the registrations under the question's key, and select answers as the
// option's text. So that no answer disappears unnoticed from the lists, charts and exports: an
// answered question keeps its key and its kind, and removing it, or removing or renaming an option
// somebody chose, needs a ticked confirmation that names how many answers it hides. The answers
// stay stored (the attendees' data download shows them); a question with the same key brings them
// back.
func (s *Server) formQuestionRoutes(admin *gin.RouterGroup) {
	s.eventPageRoute(admin, "GET", "/events/:slug/questions", needOrganizer, s.formQuestionsPage)
	s.eventPageRoute(admin, "POST", "/events/:slug/questions", needOrganizer, s.formQuestionAdd, s.audited("question.created"))
	s.eventPageRoute(admin, "POST", "/events/:slug/questions/:key", needOrganizer, s.formQuestionUpdate, s.audited("question.updated"))
	s.eventPageRoute(admin, "POST", "/events/:slug/questions/:key/move", needOrganizer, s.formQuestionMove, s.audited("question.moved"))
	s.eventPageRoute(admin, "POST", "/events/:slug/questions/:key/delete", needOrganizer, s.formQuestionDelete, s.audited("question.deleted"))
}

// questionInput is one question's form as typed: options one per line.
type questionInput struct {
	Label, Key, Kind, Options string
	Required, Confirm         bool
}

func readQuestionInput(c *gin.Context) questionInput {
	return questionInput{Label: c.PostForm("label"), Key: c.PostForm("key"), Kind: c.PostForm("kind"),
		Options: c.PostForm("options"), Required: c.PostForm("required") == "on", Confirm: c.PostForm("confirm") == "on"}
}

func inputOfQuestion(q event.Question) questionInput {
	return questionInput{Label: q.Label, Key: q.Key, Kind: q.Kind, Options: strings.Join(q.Options, "\n"), Required: q.Required}
}

// question is the typed question; only a select question has options, whatever its text area holds.
func (q questionInput) question() event.Question {
	out := event.Question{Label: q.Label, Key: strings.TrimSpace(q.Key), Kind: q.Kind, Options: []string{}, Required: q.Required}
	if q.Kind == event.KindSelect {
		out.Options = lines(q.Options)
	}
	return out
}

// questionEditor is one question's forms on the page: change it, move it, remove it.
type questionEditor struct {
	Key      string // empty: the form that adds a question
	Number   int
	Label    string // as stored, for the heading
	Answered int
	First    bool
	Last     bool
	Fields   []adminField
	Remove   adminField // the confirmation that removing an answered question needs
}

type formQuestionsView struct {
	Event     *event.Event
	Questions []questionEditor
	New       questionEditor
	Errors    []adminField // the fields with a problem, for the summary
	Alerts    []string
	Done      string
	Max       int
	Full      bool
}

// questionAttempt is a form of the page that failed: which question's (none: the new one's), which
// of its forms, what was typed, what is wrong.
type questionAttempt struct {
	Key, Form string // Form: edit, remove or new
	Typed     questionInput
	Errs      map[string]string
}

func (s *Server) formQuestionsPage(c *gin.Context, e *event.Event) {
	s.renderFormQuestions(c, http.StatusOK, e, nil, nil)
}

// renderFormQuestions shows the editor; failed, when given, is the form that failed with err.
func (s *Server) renderFormQuestions(c *gin.Context, status int, e *event.Event, failed *questionAttempt, err error) {
	lang := pageLang(c)
	answered, aerr := registration.AnsweredQuestions(c.Request.Context(), s.pool, e.ID)
	if aerr != nil {
		s.pageError(c, aerr)
		return
	}
	v := formQuestionsView{Event: e, Done: c.Query("done"), Max: event.MaxQuestions, Full: len(e.Questions) >= event.MaxQuestions}
	if failed != nil {
		index := len(e.Questions)
		if failed.Key != "" {
			index = slices.IndexFunc(e.Questions, func(q event.Question) bool { return q.Key == failed.Key })
		}
		errs, alerts, err := s.formErrors(c, err, questionControl(index, failed.Form))
		if err != nil {
			s.pageError(c, err)
			return
		}
		failed.Errs, v.Alerts = errs, alerts
	}
	kinds := []fieldOption{}
	for _, k := range []string{event.KindText, event.KindTextarea, event.KindSelect, event.KindCheckbox} {
		kinds = append(kinds, fieldOption{Value: k, Label: s.messages.T(lang, "questions.kind."+k, nil)})
	}
	for i, q := range e.Questions {
		ed := questionEditor{Key: q.Key, Number: i + 1, Label: q.Label, Answered: answered[q.Key].Count,
			First: i == 0, Last: i == len(e.Questions)-1}
		typed, errs := inputOfQuestion(q), map[string]string{}
		if failed != nil && failed.Key == q.Key && failed.Form == "edit" {
			typed, errs = failed.Typed, failed.Errs
		}
		ed.Fields = s.questionFields(lang, "q-"+q.Key+"-", typed, kinds, ed.Answered, errs)
		removeErrs := map[string]string{}
		if failed != nil && failed.Key == q.Key && failed.Form == "remove" {
			removeErrs = failed.Errs
		}
		m := fieldMaker{s: s, lang: lang, prefix: "r-" + q.Key + "-", errs: removeErrs}
		ed.Remove = m.checkbox("confirm", "questions.remove.confirm", false)
		ed.Remove.Label = s.messages.T(lang, "questions.remove.confirm", map[string]any{"Count": ed.Answered})
		v.Questions = append(v.Questions, ed)
		v.Errors = append(v.Errors, withErrors(ed.Fields, []adminField{ed.Remove})...)
	}
	typed, errs := questionInput{Kind: event.KindText}, map[string]string{}
	if failed != nil && failed.Form == "new" {
		typed, errs = failed.Typed, failed.Errs
	}
	v.New = questionEditor{Number: len(e.Questions) + 1, Fields: s.questionFields(lang, "q-new-", typed, kinds, 0, errs)}
	v.Errors = append(v.Errors, withErrors(v.New.Fields)...)
	title := s.messages.T(lang, "questions.title", map[string]any{"Title": e.Title})
	if len(v.Errors) > 0 || len(v.Alerts) > 0 {
		title = s.messages.T(lang, "form.errortitle", nil) + " – " + title
	}
	s.renderPage(c, status, "admin_questions", title, v)
}

// questionFields lays out one question's form; an answered question's key and kind are fixed.
func (s *Server) questionFields(lang, prefix string, q questionInput, kinds []fieldOption, answered int, errs map[string]string) []adminField {
	m := fieldMaker{s: s, lang: lang, prefix: prefix, errs: errs}
	key := m.text("key", "questions.key", q.Key, false)
	kind := m.choice("kind", "questions.kind", q.Kind, slices.Clone(kinds))
	if answered > 0 {
		key.ReadOnly, kind.ReadOnly = true, true
		key.Hint = s.messages.T(lang, "questions.key.answered", map[string]any{"Count": answered})
	}
	fields := []adminField{
		m.text("label", "questions.label", q.Label, true),
		kind,
		m.textarea("options", "questions.options", q.Options, 4, false),
		m.checkbox("required", "questions.required", q.Required),
		key,
	}
	if answered > 0 && (errs["options"] != "" || q.Confirm) {
		fields = append(fields, m.checkbox("confirm", "questions.confirm", q.Confirm))
	}
	return fields
}

// questionControl names the control of the question at index that shows a domain field's
// problem; problems of other questions go above the page.
func questionControl(index int, form string) func(string) string {
	own := fmt.Sprintf("questions[%d].", index)
	return func(field string) string {
		if form == "remove" {
			if field == "confirm" {
				return "confirm"
			}
			return ""
		}
		switch name, ok := strings.CutPrefix(field, own); {
		case ok && (name == "label" || name == "key" || name == "kind" || name == "options"):
			return name
		case field == "questions" && form == "new":
			return "label"
		}
		return ""
	}
}

// changeQuestions applies edit to the event's questions as they are when the change commits, and
// leads back to the editor at the question named by the key edit returns, or shows the form again.
func (s *Server) changeQuestions(c *gin.Context, e *event.Event, attempt questionAttempt, done string,
	edit func(qs []event.Question) ([]event.Question, string, error)) {
	var key string
	_, err := registration.ChangeEvent(c.Request.Context(), s.pool, e.ID, formVersion(c), func(current *event.Event) (event.Input, error) {
		in := event.InputOf(current)
		qs, k, err := edit(slices.Clone(current.Questions))
		in.Questions, key = qs, k
		if read, ok := err.(*domain.ValidationError); ok {
			return in, checkedInput(in, read)
		}
		return in, err
	}, s.now())
	if err != nil {
		s.renderFormQuestions(c, errorStatus(err), e, &attempt, err)
		return
	}
	c.Redirect(http.StatusSeeOther, dashboardPath(e)+"/questions?done="+done+"#frage-"+key)
}

// questionIndex finds the question with the key among qs, or says it is gone.
func questionIndex(qs []event.Question, key string) (int, error) {
	i := slices.IndexFunc(qs, func(q event.Question) bool { return q.Key == key })
	if i < 0 {
		return 0, domain.ErrNotFound
	}
	return i, nil
}

func (s *Server) formQuestionAdd(c *gin.Context, e *event.Event) {
	typed := readQuestionInput(c)
	s.changeQuestions(c, e, questionAttempt{Form: "new", Typed: typed}, "question.created", func(qs []event.Question) ([]event.Question, string, error) {
		q := typed.question()
		if q.Key == "" {
			keys := make([]string, len(qs))
			for i, other := range qs {
				keys[i] = other.Key
			}
			q.Key = event.QuestionKey(q.Label, keys)
		}
		return append(qs, q), q.Key, nil
	})
}

// formQuestionUpdate changes a question. An answered one keeps its key and kind; an option that
// somebody chose goes only with the confirmation, because its answers would no longer be counted.
func (s *Server) formQuestionUpdate(c *gin.Context, e *event.Event) {
	key, typed := c.Param("key"), readQuestionInput(c)
	answered, err := registration.AnsweredQuestions(c.Request.Context(), s.pool, e.ID)
	if err != nil {
		s.pageError(c, err)
		return
	}
	s.changeQuestions(c, e, questionAttempt{Key: key, Form: "edit", Typed: typed}, "question.updated", func(qs []event.Question) ([]event.Question, string, error) {
		i, err := questionIndex(qs, key)
		if err != nil {
			return nil, "", err
		}
		old, q, given := qs[i], typed.question(), answered[key]
		if q.Key == "" || given.Count > 0 {
			q.Key = old.Key
		}
		if given.Count > 0 {
			q.Kind, q.Options = old.Kind, []string{}
			if q.Kind == event.KindSelect {
				q.Options = lines(typed.Options)
			}
		}
		qs[i] = q
		hidden := 0
		for _, option := range old.Options {
			if !slices.Contains(q.Options, option) {
				hidden += given.ByAnswer[option]
			}
		}
		if hidden > 0 && !typed.Confirm {
			v := &domain.ValidationError{}
			v.Problem(fmt.Sprintf("questions[%d].options", i), "hides_answers", domain.Params{"Count": hidden},
				fmt.Sprintf("%d answers chose options that would be gone; confirm to hide them", hidden))
			return qs, q.Key, v
		}
		return qs, q.Key, nil
	})
}

func (s *Server) formQuestionMove(c *gin.Context, e *event.Event) {
	key := c.Param("key")
	s.changeQuestions(c, e, questionAttempt{Key: key, Form: "move"}, "question.moved", func(qs []event.Question) ([]event.Question, string, error) {
		i, err := questionIndex(qs, key)
		if err != nil {
			return nil, "", err
		}
		j := i - 1
		if c.PostForm("direction") == "down" {
			j = i + 1
		}
		if j >= 0 && j < len(qs) {
			qs[i], qs[j] = qs[j], qs[i]
		}
		return qs, key, nil
	})
}

// formQuestionDelete removes a question; an answered one only with the confirmation.
func (s *Server) formQuestionDelete(c *gin.Context, e *event.Event) {
	key := c.Param("key")
	answered, err := registration.AnsweredQuestions(c.Request.Context(), s.pool, e.ID)
	if err != nil {
		s.pageError(c, err)
		return
	}
	s.changeQuestions(c, e, questionAttempt{Key: key, Form: "remove"}, "question.deleted", func(qs []event.Question) ([]event.Question, string, error) {
		i, err := questionIndex(qs, key)
		if err != nil {
			return nil, "", err
		}
		if n := answered[key].Count; n > 0 && c.PostForm("confirm") != "on" {
			v := &domain.ValidationError{}
			v.Problem("confirm", "confirm_remove", domain.Params{"Count": n},
				"the question has "+strconv.Itoa(n)+" answers; confirm to remove it")
			return qs, key, v
		}
		return slices.Delete(qs, i, i+1), "fragen", nil
	})
}
