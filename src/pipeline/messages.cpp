#include "pipeline/messages.hpp"

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <sstream>

namespace boost::serialization {
template <class A>
void serialize(A& a, precis::JournalRef& r, unsigned) {
    a& r.file& r.key& r.offset& r.size;
}
template <class A>
void serialize(A& a, precis::SampleTask& t, unsigned) {
    a& t.index& t.line& t.id& t.vcf& t.proteome& t.journal;
}
template <class A>
void serialize(A& a, precis::RegionTask& t, unsigned) {
    a& t.region& t.journal;
}
template <class A>
void serialize(A& a, precis::RegionOutcome& o, unsigned) {
    a& o.from_journal& o.error& o.region;
}
template <class A>
void serialize(A& a, precis::TextColumn& c, unsigned) {
    a& c.text& c.end;
}
template <class A>
void serialize(A& a, precis::PathColumn& c, unsigned) {
    a& c.prefix& c.tail& c.prefixed;
}
template <class A>
void serialize(A& a, precis::SampleSheet& s, unsigned) {
    a& s.path& s.lines& s.ids& s.vcfs& s.proteomes& s.phenotypes;
}
template <class A>
void serialize(A& a, precis::ModalityOutcome& m, unsigned) {
    a& m.present& m.status& m.reason& m.qc& m.inferred_sex& m.scores& m.score_info& m.sha256& m.stamp& m.path;
}
template <class A>
void serialize(A& a, precis::SampleOutcome& o, unsigned) {
    a& o.index& o.rank& o.genome& o.proteome& o.key& o.from_journal;
}
template <class A>
void serialize(A& a, precis::ProteomeQC& q, unsigned) {
    a& q.n_features& q.n_detected& q.detected_fraction& q.median& q.below_lod& q.qc_warning;
}
template <class A>
void serialize(A& a, precis::SampleRecord& r, unsigned) {
    a& r.outcome& r.has_burden& r.has_proteome& r.burden& r.proteome.qc& r.proteome.values& r.proteome.plate;
    a& r.ids_sha;
}
template <class A>
void serialize(A& a, precis::RegionRecord& r, unsigned) {
    a& r.region& r.qc_raw& r.burden& r.score_parts& r.score_imputed& r.score_match;
}
template <class A>
void serialize(A& a, precis::ConsensusHeatmap& h, unsigned) {
    a& h.bins& h.values& h.labels& h.items;
}
template <class A>
void serialize(A& a, precis::KSummary& k, unsigned) {
    a& k.k& k.labels& k.item_consensus& k.cluster_consensus& k.sizes& k.pac& k.area& k.delta_area& k.mean_silhouette;
    a& k.cdf& k.heatmap;
    a& k.reference_pacs& k.null.real_pac& k.null.reference_mean& k.null.p_value& k.null.p_monte_carlo& k.null.rcsi;
    a& k.null.rcsi_se& k.null.p_adjusted;
}
template <class A>
void serialize(A& a, precis::ClusteringStage& c, unsigned) {
    a& c.ks& c.chosen& c.labels& c.consensus& c.n_landmarks& c.seconds& c.no_structure& c.null_seconds;
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

std::string encode(const SampleSheet& s) { return enc(s); }
void decode(const std::string& s, SampleSheet& sheet) { dec(s, sheet); }
std::string encode(const RegionTask& t) { return enc(t); }
void decode(const std::string& s, RegionTask& t) { dec(s, t); }
std::string encode(const RegionOutcome& o) { return enc(o); }
void decode(const std::string& s, RegionOutcome& o) { dec(s, o); }
std::string encode(const SampleTask& t) { return enc(t); }
std::string encode(const SampleOutcome& o) { return enc(o); }
void decode(const std::string& s, SampleTask& t) { dec(s, t); }
void decode(const std::string& s, SampleOutcome& o) { dec(s, o); }
std::string encode(const std::vector<SampleOutcome>& v) { return enc(v); }
void decode(const std::string& s, std::vector<SampleOutcome>& v) { dec(s, v); }
std::string encode(const SampleRecord& r) { return enc(r); }
void decode(const std::string& s, SampleRecord& r) { dec(s, r); }
std::string encode(const RegionRecord& r) { return enc(r); }
void decode(const std::string& s, RegionRecord& r) { dec(s, r); }
std::string encode(const ClusteringStage& c) { return enc(c); }
void decode(const std::string& s, ClusteringStage& c) { dec(s, c); }
std::string encode(const std::vector<std::string>& v) { return enc(v); }
void decode(const std::string& s, std::vector<std::string>& v) { dec(s, v); }
std::string encode(const std::vector<double>& v) { return enc(v); }
void decode(const std::string& s, std::vector<double>& v) { dec(s, v); }

}  // namespace precis
