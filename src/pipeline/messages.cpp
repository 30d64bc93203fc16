#include "pipeline/messages.hpp"

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <sstream>

namespace boost::serialization {
template <class A>
void serialize(A& a, precis::SampleTask& t, unsigned) {
    a& t.index& t.line& t.id& t.vcf& t.proteome;
}
template <class A>
void serialize(A& a, precis::ModalityOutcome& m, unsigned) {
    a& m.present& m.status& m.reason& m.qc& m.inferred_sex& m.scores& m.score_info& m.sha256& m.path;
}
template <class A>
void serialize(A& a, precis::SampleOutcome& o, unsigned) {
    a& o.index& o.rank& o.genome& o.proteome;
}
}  // namespace boost::serialization

namespace precis {
namespace {
template <class T>
std::string enc(const T& v) {
    std::ostringstream ss;
    {
        boost::archive::binary_oarchive ar(ss, boost::archive::no_header);
        ar << v;
    }
    return ss.str();
}
template <class T>
void dec(const std::string& s, T& v) {
    std::istringstream ss(s);
    boost::archive::binary_iarchive ar(ss, boost::archive::no_header);
    ar >> v;
}
}  // namespace

std::string encode(const SampleTask& t) { return enc(t); }
std::string encode(const SampleOutcome& o) { return enc(o); }
void decode(const std::string& s, SampleTask& t) { dec(s, t); }
void decode(const std::string& s, SampleOutcome& o) { dec(s, o); }
std::string encode(const std::vector<SampleOutcome>& v) { return enc(v); }
void decode(const std::string& s, std::vector<SampleOutcome>& v) { dec(s, v); }

}  // namespace precis
