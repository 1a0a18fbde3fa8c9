#include "application_form.hpp"

#include <boost/json/array.hpp>

#include "veche/experts/applications.hpp"
#include "veche/experts/communities.hpp"

namespace veche::experts {

namespace bj = boost::json;

namespace {

struct Field {
    const char* key;
    const char* type;  // text | textarea | integer | tags
    bool required;
    std::int64_t max;  // characters (text, textarea), the value (integer), items (tags)
    const char* label_ru;
    const char* label_en;
    const char* hint_ru;
    const char* hint_en;
    const char* example_ru;
    const char* example_en;
};

constexpr Field kFields[] = {
    {"full_name", "text", true, kMaxShortAnswerChars, "ФИО", "Full name", "Как в кадровой системе.",
     "As in the HR system.", "Иванов Иван Иванович", "Ivan Ivanov"},
    {"position", "text", true, kMaxShortAnswerChars, "Должность", "Position", "Текущая должность.",
     "Your current position.", "Главный технолог", "Chief process engineer"},
    {"department", "text", false, kMaxShortAnswerChars, "Подразделение", "Department",
     "Цех, отдел или служба.", "Shop, department or service.", "Обогатительная фабрика",
     "Concentrator plant"},
    {"site", "text", false, kMaxShortAnswerChars, "Предприятие", "Site", "Где вы работаете.",
     "Where you work.", "Норильский комбинат", "Norilsk plant"},
    {"phone", "text", false, 50, "Телефон", "Phone", "Для связи куратора; виден только кураторам.",
     "For the curator to reach you; only curators see it.", "+7 900 000-00-00", "+7 900 000-00-00"},
    {"experience_years", "integer", true, 70, "Стаж, лет", "Experience, years", "Стаж в своей области.",
     "Years in your field.", "12", "12"},
    {"experience", "textarea", true, kMaxLongAnswerChars, "Опыт", "Experience",
     "Что вы делали, где и с каким результатом: проекты, внедрения, цифры.",
     "What you did, where, and with what result: projects, roll-outs, figures.",
     "Запустил две линии флотации, снизил потери металла на 8 %.",
     "Launched two flotation lines, cut metal losses by 8%."},
    {"competences", "tags", true, kMaxCompetences, "Компетенции", "Competences",
     "Темы, по которым вы готовы консультировать; по ним вам будут предлагать заявки.",
     "Topics you can advise on; consultations are suggested to you by them.", "флотация, гидравлика",
     "flotation, hydraulics"},
    {"skills", "textarea", true, kMaxLongAnswerChars, "Навыки", "Skills",
     "Методы, инструменты, программы, которыми вы владеете.", "Methods, tools and software you master.",
     "Расчёт реагентного режима, обучение смен, SAP PM.", "Reagent regime design, shift training, SAP PM."},
    {"motivation", "textarea", false, kMaxLongAnswerChars, "Почему вы хотите стать экспертом",
     "Why you want to be an expert", "Необязательно: чем вы хотите помочь коллегам.",
     "Optional: how you would like to help colleagues.",
     "Хочу делиться опытом запуска линий с коллегами на других площадках.",
     "I would like to share line start-up experience with colleagues at other sites."},
};

}  // namespace

bj::object ApplicationFormJson() {
    bj::array fields;
    for (const auto& f : kFields) {
        bj::object o{{"key", f.key},
                     {"type", f.type},
                     {"required", f.required},
                     {"max", f.max},
                     {"label", bj::object{{"ru", f.label_ru}, {"en", f.label_en}}},
                     {"hint", bj::object{{"ru", f.hint_ru}, {"en", f.hint_en}}},
                     {"example", bj::object{{"ru", f.example_ru}, {"en", f.example_en}}}};
        if (std::string_view(f.type) == "tags") o["max_chars"] = static_cast<std::int64_t>(kMaxTagChars);
        fields.push_back(std::move(o));
    }
    return bj::object{{"fields", std::move(fields)},
                      {"max_communities", static_cast<std::int64_t>(kMaxApplicationCommunities)},
                      {"max_text", static_cast<std::int64_t>(kMaxApplicationTextChars)},
                      {"max_link", static_cast<std::int64_t>(kMaxLinkChars)}};
}

}  // namespace veche::experts
