#pragma once
// Voting cards in object chats (CTX-7): a structured card (the type's vote fields: supplier, terms,
// price …) put to a vote among a frozen electorate with a quorum, a deadline and optionally a secret
// ballot. The card is the assistant's pinned message with a button per option and a live "N of M
// voted"; at the deadline (a durable job), when everyone has voted, or by its creator, it closes:
// the result (passed | failed | no_quorum) is pinned in place of the card and a protocol PDF
// (electorate, quorum, counts, times, decision) is posted in the chat, so it becomes a version in
// the object's document store.
//
// Secrecy: a secret card stores ballots without voters, and the electorate's rows only say *that*
// someone voted (to the creator), never what — to anyone, administrators included.
//
// Thread-safe; synchronous, for worker threads.

#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "veche/core/actor.hpp"
#include "veche/storage/database.hpp"

namespace veche::chat {
class ChatService;
}
namespace veche::files {
class FileStore;
}
namespace veche::jobs {
class Scheduler;
}

namespace veche::objects {

class ObjectService;

struct Vote {
    Id id = 0;
    Id object_id = 0;
    Id chat_id = 0;
    Id creator = 0;
    std::string title;
    boost::json::object fields;            // the card: {key: value} of the type's vote fields
    std::vector<std::string> options;      // "За", "Против", "Воздержался"
    std::vector<Id> electorate;
    int quorum = 0;                        // ballots needed for a valid result
    bool secret = false;
    std::int64_t deadline_at = 0;
    std::string state;                     // open | closed | cancelled
    std::string result;                    // "" while open; passed | failed | no_quorum
    std::vector<std::int64_t> counts;      // per option
    std::int64_t voted = 0;
    std::vector<Id> voted_ids;             // who voted (the creator only)
    std::vector<std::vector<Id>> voters;   // per option, open cards only
    std::optional<int> my_option;          // the viewer's own ballot on an open card
    bool i_voted = false;
    Id card_message_id = 0;
    Id result_message_id = 0;
    Id protocol_file_id = 0;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> closed_at;
};

struct NewVote {
    std::string title;
    boost::json::object fields;
    std::vector<std::string> options;
    std::vector<Id> electorate;
    std::vector<std::string> electorate_roles;  // object roles, expanded now
    std::optional<int> quorum;                  // default: a strict majority of the electorate
    bool secret = false;
    std::int64_t deadline_at = 0;
};

class VoteService {
public:
    VoteService(storage::Database& db, ObjectService& objects, chat::ChatService& chats, jobs::Scheduler& jobs,
                files::FileStore& files);
    void RegisterJobs();

    Result<Vote> Create(const Actor& actor, Id chat_id, const NewVote& spec);
    Result<Vote> Get(const Actor& actor, Id vote_id);
    Result<Vote> Cast(const Actor& actor, Id vote_id, int option);
    Result<Vote> Close(const Actor& actor, Id vote_id);

private:
    // Closes an open card now (deadline, last ballot or its creator) and posts its protocol.
    Result<Vote> Finish(Id vote_id, std::optional<Id> by);
    Status PostProtocol(const Vote& vote);

    storage::Database& db_;
    ObjectService& objects_;
    chat::ChatService& chats_;
    jobs::Scheduler& jobs_;
    files::FileStore& files_;
};

boost::json::object VoteJson(const Vote& v);

// The protocol as a PDF (cairo, DejaVu Sans): one A4 page or more of plain lines.
std::string ProtocolPdf(const std::string& heading, const std::vector<std::string>& lines);

}  // namespace veche::objects
