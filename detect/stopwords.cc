// Function-word lists per language, written for this project: articles, pronouns,
// prepositions, conjunctions, auxiliaries and the commonest adverbs. They only have to
// remove words that carry no event information; streaming IDF takes care of the rest.
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "detect/stemmer.h"

namespace babelwatch::detect {

namespace {

const char* const kLists[][2] = {
    {"en",
     "a an the and or but if then than that this these those there here of to in on at by for "
     "from with without about into onto over under after before during since until up down out "
     "off as is are was were be been being am do does did done have has had having will would "
     "shall should can could may might must not no nor so too very just also only even still "
     "yet it its he him his she her hers they them their theirs we us our ours you your yours "
     "i me my mine who whom whose which what when where why how all any both each few more "
     "most other some such own same again further once s t don won says said say new after "
     "via per vs amid against between through while latest live update updates news"},
    {"de",
     "der die das den dem des ein eine einer eines einem einen und oder aber wenn dann als "
     "dass daß dies diese dieser dieses diesen diesem es er sie ihr ihre ihren ihrem ihrer ihres "
     "sein seine seiner seinen seinem seines wir uns unser unsere ich mich mir du dich dir man "
     "ist sind war waren wird werden wurde wurden worden sein hat haben hatte hatten kann können "
     "konnte muss müssen soll sollen will wollen nicht kein keine auch noch nur schon sehr so wie "
     "im in an am auf aus bei mit nach von vom zu zum zur für über unter vor hinter neben zwischen "
     "durch gegen ohne um bis seit wegen während beim ins ans aufs mehr doch mal jetzt"},
    {"fr",
     "le la les l un une des du de d et ou mais si donc car que qu qui quoi dont où ce cet cette "
     "ces il elle ils elles on nous vous je j me m te t se s lui leur leurs son sa ses mon ma mes "
     "ton ta tes notre nos votre vos est sont était étaient être été a ont avait avaient avoir "
     "fait faire va vont sera seront ne pas plus moins très aussi encore déjà tout tous toute "
     "toutes dans en sur sous par pour avec sans chez vers entre contre depuis pendant après "
     "avant au aux selon comme"},
    {"es",
     "el la los las un una unos unas lo y o u pero si que qué quien cual cuando donde como de del "
     "al a en con sin por para sobre entre hasta desde contra tras durante según es son era eran "
     "ser sido fue fueron está están estaba ha han había haber se su sus le les me te nos os yo "
     "tú él ella ellos ellas nosotros este esta estos estas ese esa esos esas no sí más muy ya "
     "también tan todo todos toda todas otro otra"},
    {"it",
     "il lo la i gli le un uno una l e ed o ma se che chi cui non più anche già come dove quando "
     "di del dello della dei degli delle a al allo alla ai agli alle da dal dallo dalla dai dagli "
     "dalle in nel nello nella nei negli nelle su sul sullo sulla sui sugli sulle con per tra fra "
     "è sono era erano essere stato stata ha hanno aveva avere si ci vi mi ti lui lei loro suo sua "
     "suoi sue questo questa questi queste quello quella tutto tutti molto dopo prima"},
    {"nl",
     "de het een en of maar als dan dat die dit deze wat wie waar wanneer hoe van voor in op aan "
     "met bij uit naar over onder tegen tot door om na sinds zonder is zijn was waren wordt worden "
     "werd werden heeft hebben had hadden kan kunnen zal zullen moet moeten wil willen niet geen "
     "ook nog al wel zo er hij zij ze hem haar hun wij we ons onze ik mij me je jij jullie u uw "
     "meer veel heel nu toch"},
    {"pt",
     "o a os as um uma uns umas e ou mas se que quem qual quando onde como de do da dos das em no "
     "na nos nas ao aos à às por pelo pela pelos pelas para com sem sobre entre até desde contra "
     "é são era eram ser foi foram está estão estava tem têm tinha ter há se seu sua seus suas "
     "ele ela eles elas nós este esta estes estas esse essa não mais muito já também"},
    {"ru",
     "и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее "
     "её мне было вот от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни "
     "быть был была были будет будут него до вас нибудь опять уж вам ведь там потом себя ничего "
     "ей может они тут где есть надо ней для мы тебя их чем сам чтоб без будто чего раз тоже себе "
     "под ж тогда кто этот этого это эти этой этом этих того тем том чтобы нее сейчас при об про "
     "над после перед через между также который которые которая которое которых который свой "
     "своих свою своей заявил заявила сообщил сообщает стало"},
    {"uk",
     "і й та в у на з із зі до від про для по за під над при через між але а або чи не ні що як "
     "це цей ця ці цього цієї цих цим той та те ті того тієї тих він вона воно вони його її їх "
     "йому їй їм ми ви я ти нас вас нам вам мене тебе себе свій своя своє свої був була було були "
     "бути буде будуть є також вже ще тільки лише коли де хто який яка яке які якого якій яких "
     "так теж навіть після перед заявив заявила повідомив повідомляє"},
    {"pl",
     "i w we z ze na do od o u za po przez dla pod nad przed między bez a ale lub albo czy nie "
     "że to ten ta te tego tej tych tym jest są był była było były być będzie będą ma mają "
     "miał się jego jej ich on ona ono oni one my wy ja ty nas was nam wam mnie sobie jak już "
     "także też tylko jeszcze który która które którego którzy"},
    {"tr",
     "ve veya ile ama fakat için gibi kadar daha çok en bir bu şu o da de ki mi mı mu mü ne "
     "her hem ya olan olarak oldu olduğu olması ise değil var yok sonra önce göre karşı üzerine "
     "bunu şunu onu bunun onun ben sen biz siz onlar"},
};

const std::map<std::string, std::set<std::string, std::less<>>, std::less<>>& Lists() {
  static const auto* m = [] {
    auto* out = new std::map<std::string, std::set<std::string, std::less<>>, std::less<>>();
    for (const auto& entry : kLists) {
      std::istringstream in(entry[1]);
      std::string w;
      auto& set = (*out)[entry[0]];
      while (in >> w) set.insert(w);
    }
    return out;
  }();
  return *m;
}

}  // namespace

bool IsStopwordOf(std::string_view word, std::string_view lang) {
  const auto& lists = Lists();
  auto it = lists.find(lang);
  if (it == lists.end()) return false;
  return it->second.find(word) != it->second.end();
}

}  // namespace babelwatch::detect
